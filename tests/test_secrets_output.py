"""No output ever contains a found secret in full: not text, JSON, SARIF or GitHub annotations,
suppressed or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli

SECRETS = {
    "app_password": "Qm8-Vw2!Lp5-zzy",
    "github": "ghp_Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2",
    "dsn_password": "Wy71pQ0dHn",
    "suppressed": "s3cr3t-but-suppressed-99",
}

SOURCE = f'''
DB_PASSWORD = "{SECRETS["app_password"]}"
GITHUB = {{"token": "{SECRETS["github"]}"}}
ENGINE_URL = "postgresql://app:{SECRETS["dsn_password"]}@db.internal/shop"
API_SECRET = "{SECRETS["suppressed"]}"  # backlint: ignore[BL301]
'''


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
@pytest.mark.parametrize("include_suppressed", [False, True])
def test_secrets_never_printed(tmp_path: Path, fmt: str, include_suppressed: bool) -> None:
    (tmp_path / "settings.py").write_text(SOURCE)
    args = ["scan", ".", "--format", fmt] + (["--include-suppressed"] if include_suppressed else [])
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert out.count("BL301") >= 3
    for value in SECRETS.values():
        assert value not in out
        assert value[:8] not in out
