"""Which JavaScript/TypeScript files run in a browser or on a desktop: not given to the rules."""

from __future__ import annotations

import json

import pytest

from backlint import clients


@pytest.mark.parametrize(
    "manifest,kind",
    [
        ({"dependencies": {"react": "18", "react-dom": "18"}}, "client"),
        ({"dependencies": {"vue": "3"}, "devDependencies": {"vite": "5"}}, "client"),
        ({"dependencies": {"electron": "30"}}, "client"),
        ({"dependencies": {"react": "18"}, "devDependencies": {"express": "4"}}, "client"),  # express for tests only
        ({"dependencies": {"express": "4", "vue": "3"}}, None),  # serves its own client: server code
        ({"dependencies": {"express": "4"}}, None),
        ({"dependencies": {"react": "18", "pg": "8"}}, None),  # a database client: it serves too
        ({"dependencies": {"next": "15", "react": "19", "pg": "8"}}, "full-stack"),
        ({"bin": {"lbs": "./bin/lbs"}, "devDependencies": {"playwright": "1"}}, "command-line"),
        ({"bin": "./cli.js", "dependencies": {"commander": "12", "express": "4"}}, None),  # starts a server
        ({"bin": "./cli.js", "dependencies": {"pg": "8"}}, None),  # a database client: it may serve
        ({"dependencies": {"lodash": "4"}}, None),
        ({}, None),
    ],
)
def test_package_kind(manifest: dict, kind: str | None) -> None:
    assert clients.package_kind(manifest) == kind


def _files(tree: dict[str, str | dict]) -> dict[str, bytes]:
    return {rel: (json.dumps(v) if isinstance(v, dict) else v).encode() for rel, v in tree.items()}


def test_client_files_by_nearest_package_and_server_routes_of_full_stack_apps() -> None:
    files = _files({
        "web/package.json": {"dependencies": {"next": "15", "react": "19"}},
        "web/lib/api.ts": "export const get = () => fetch('/x', {credentials: 'include'})",
        "web/app/api/items/route.ts": "export async function GET() { return fetch(URL) }",
        "web/lib/db.ts": 'import "server-only"\nexport const q = 1',
        "web/pages/api/login.ts": "export default function handler() {}",
        "desktop/package.json": {"dependencies": {"electron": "30"}},
        "desktop/src/main/ipc.ts": "export const TOKEN = 'auth:get-access-token'",
        "server/package.json": {"dependencies": {"express": "4"}},
        "server/src/app.js": "app.get('/', h)",
        "scripts/bridge.js": "fetch(url)",  # no package.json above: kept
        "broken/package.json": "{not json",
        "broken/x.js": "fetch(url)",
    })
    found = clients.client_files([rel for rel in files if not rel.endswith("package.json")], files.get)
    assert found == {"web/lib/api.ts": "web/package.json", "desktop/src/main/ipc.ts": "desktop/package.json"}


def test_javascript_inside_a_python_package_is_its_front_end() -> None:
    files = _files({
        "__init__.py": "",  # at the root of the scan: says nothing
        "web/app.ts": "app.get('/', h)",
        "gis/__init__.py": "",
        "gis/auth/__init__.py": "",
        "gis/auth/nodepkg/package.json": {"name": "@gis/auth", "type": "module"},
        "gis/auth/nodepkg/store/UpdateStore.ts": "export const poll = () => fetch('/api/update')",
        "gis/webmap/__init__.py": "",
        "gis/webmap/nodepkg/package.json": {"dependencies": {"antd": "6"}},
        "gis/webmap/nodepkg/parser.ts": "export function parse(s) { try { return f(s) } catch { return [] } }",
        "gis/blog/static/blog/app.js": "$.ajax({url: '/x'})",  # a Django app's static files
        "gis/relay/package.json": {"dependencies": {"express": "4"}},  # a server, wherever it lives
        "gis/relay/index.js": "app.get('/', h)",
        "tools/sync.js": "fetch(url)",  # no Python package around it: kept
    })
    found = clients.client_files([rel for rel in files if rel.endswith((".ts", ".js"))], files.get)
    assert found == {
        "gis/auth/nodepkg/store/UpdateStore.ts": "gis/__init__.py",
        "gis/webmap/nodepkg/parser.ts": "gis/__init__.py",
        "gis/blog/static/blog/app.js": "gis/__init__.py",
    }


def test_scan_skips_a_client_package_with_one_note(tmp_path) -> None:
    from backlint import catalog
    from backlint.config import Config
    from backlint.engine import scan

    (tmp_path / "frontend" / "src").mkdir(parents=True)
    (tmp_path / "frontend" / "package.json").write_text(json.dumps({"dependencies": {"react": "18"}}))
    (tmp_path / "frontend" / "src" / "api.js").write_text("export const f = () => fetch('/a', {credentials: 'include'})\n")
    (tmp_path / "frontend" / "src" / "util.js").write_text("export const g = 1\n")
    result = scan([tmp_path], Config(root=tmp_path), catalog.load(), cache_dir=None)
    notes = [n for n in result.notifications if "client package" in n.message]
    assert [(n.path, n.message.split(" ")[0]) for n in notes] == [("frontend/package.json", "2")]
    assert not [f for f in result.findings if f.path.startswith("frontend/")]


def test_scan_skips_a_command_line_package_with_one_note(tmp_path) -> None:
    from backlint import catalog
    from backlint.config import Config
    from backlint.engine import scan

    (tmp_path / "skills" / "src" / "commands").mkdir(parents=True)
    (tmp_path / "skills" / "package.json").write_text(json.dumps({"bin": {"lbs": "./bin/lbs"}}))
    (tmp_path / "skills" / "src" / "commands" / "env.ts").write_text(
        "import * as fs from 'fs'\nexport async function commandEnvDoctor(ctx) {\n  return fs.readFileSync(ctx.path)\n}\n"
    )
    result = scan([tmp_path], Config(root=tmp_path), catalog.load(), cache_dir=None)
    notes = [n for n in result.notifications if "command-line package" in n.message]
    assert [(n.path, n.message.split(" ")[0]) for n in notes] == [("skills/package.json", "1")]
    assert not result.findings


@pytest.mark.parametrize(
    "rel,head,expected",
    [
        ("static/main.chunk.js", b"x", True),
        ("panel/frontend_latest/7340.67cf025214f2d59e.js", b"x", True),
        ("panel/entrypoint.js", b"!function(){" + b"var a=1;" * 200 + b"}()", True),  # one long line
        ("panel/chunk.js", b'export const __webpack_id__="7340";\n', True),
        ("src/routes/users.js", b"const express = require('express')\n" * 100, False),
        ("src/short.js", b"module.exports = {a: 1}" * 20, False),  # under 1 KiB: too little to judge
        ("src/accepted.js", b"app.get('/', h)\n", False),  # a word, not a hash
    ],
)
def test_generated(rel: str, head: bytes, expected: bool) -> None:
    assert clients.generated(rel, head) is expected


def test_scan_skips_bundles_with_one_note_per_directory(tmp_path) -> None:
    from backlint import catalog
    from backlint.config import Config
    from backlint.engine import scan

    (tmp_path / "panel").mkdir()
    (tmp_path / "panel" / "1234.0b2c92bd47581d5a.js").write_text("fetch(u)\n")
    (tmp_path / "panel" / "entry.js").write_text("!function(){" + "fetch(u);" * 200 + "}()")
    (tmp_path / "server.js").write_text("const app = require('express')()\napp.get('/', (req, res) => res.send('ok'))\n")
    (tmp_path / "xstatic").mkdir()
    (tmp_path / "xstatic" / "fontawesome.js").write_text("/*!\n * Font Awesome Free 6.2.1\n */\ntry { var w = window } catch (e) {}\n")
    (tmp_path / "xstatic" / "fontawesome.min.js").write_text("try{var w=window}catch(e){}\n")
    result = scan([tmp_path], Config(root=tmp_path), catalog.load(), cache_dir=None)
    notes = [n for n in result.notifications if "minified, bundled or library-build" in n.message]
    assert [(n.path, n.message.split(" ")[0]) for n in notes] == [("panel", "2"), ("xstatic", "1")]
    assert not [f for f in result.findings if f.path.startswith("xstatic/")]


def test_a_projects_own_file_beside_its_minified_build_is_analysed(tmp_path) -> None:
    from backlint import catalog
    from backlint.config import Config
    from backlint.engine import scan

    (tmp_path / "server").mkdir()
    code = "const app = require('express')()\napp.get('/', (req, res) => {\n  try { res.send(load()) } catch (e) {}\n})\n"
    (tmp_path / "server" / "routes.js").write_text(code)
    (tmp_path / "server" / "routes.min.js").write_text(code.replace("\n", ""))
    result = scan([tmp_path], Config(root=tmp_path, select=("BL202",)), catalog.load(), cache_dir=None)
    assert [f.path for f in result.findings] == ["server/routes.js"]


def test_a_pages_scripts_with_no_package_json_anywhere_are_the_browsers() -> None:
    files = _files({
        "pyproject.toml": "[project]\nname = 'site'\n",
        "assets/js/tags-edit.js": "export const edit = (b) => { b.addEventListener('click', () => fetch('/api/tags')); "
                                  "return document.createDocumentFragment() }",
        "assets/js/format.js": "export const fmt = (s) => s.trim()",  # no DOM: nothing says where it runs
        "tools/sync.js": "fetch(url)",
    })
    found = clients.client_files([rel for rel in files if rel.endswith(".js")], files.get)
    assert found == {"assets/js/tags-edit.js": "assets/js"}
    assert clients.whose("assets/js", files.get).startswith("web pages")
    with_manifest = {**files, "package.json": json.dumps({"dependencies": {"express": "4"}}).encode()}
    assert clients.client_files([rel for rel in files if rel.endswith(".js")], with_manifest.get) == {}
