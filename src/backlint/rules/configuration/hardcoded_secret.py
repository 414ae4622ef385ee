from __future__ import annotations

import re
from urllib.parse import urlsplit
from typing import Any, Iterator, Mapping

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import project, routes, secrets
from backlint.frameworks.imports import dotted
from backlint.frameworks.values import Env, assigned_values, qualified_name
from backlint.rule import Invalid, Rule, Valid
from backlint.syntax import call_name, iter_descendants, name_parts, overrides_follow, string_value

# Calls whose positional argument at the given index is a key: qualified-name suffix -> (index, what).
_KEY_ARGUMENTS: dict[str, tuple[int, str]] = {
    "jwt.encode": (1, "JWT signing key"),
    "jwt.decode": (1, "JWT signing key"),
    "jose.jwt.encode": (1, "JWT signing key"),
    "jose.jwt.decode": (1, "JWT signing key"),
    "cryptography.fernet.Fernet": (0, "Fernet key"),
    "hmac.new": (0, "HMAC key"),
    "hmac.HMAC": (0, "HMAC key"),
    "itsdangerous.URLSafeTimedSerializer": (0, "signing key"),
    "itsdangerous.URLSafeSerializer": (0, "signing key"),
    "itsdangerous.TimedSerializer": (0, "signing key"),
    "itsdangerous.Serializer": (0, "signing key"),
    "itsdangerous.Signer": (0, "signing key"),
    "itsdangerous.TimestampSigner": (0, "signing key"),
    "requests.auth.HTTPBasicAuth": (1, "password"),
    "requests.auth.HTTPDigestAuth": (1, "password"),
    "httpx.BasicAuth": (1, "password"),
    "aiohttp.BasicAuth": (1, "password"),
}
_KEY_ARGUMENTS_BY_NAME: dict[str, list[tuple[str, tuple[int, str]]]] = {}
for _suffix, _spec in _KEY_ARGUMENTS.items():
    _KEY_ARGUMENTS_BY_NAME.setdefault(_suffix.rsplit(".", 1)[-1], []).append((_suffix, _spec))
# Methods whose second positional argument is a password: `smtp.login(user, password)`.
_LOGIN_METHODS = frozenset({"login", "auth", "authenticate", "starttls_login", "set_password"})
_SHAPE_HINT = re.compile(r"://|=|AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|gh[pousr]_|github_pat_|glpat-|xox|_live_|AIza|SG\.|sk-|npm_|pypi-|PRIVATE KEY|hooks\.slack")
_PAGE_CALLS = frozenset({"render", "render_template", "TemplateResponse", "render_to_response", "render_to_string",
                         "jsonify", "JsonResponse", "JSONResponse", "Response", "json_response"})
_IDENTITY_WORDS = frozenset({"user", "username", "login", "name", "db", "database", "dbname", "identifier"})


def _is_identity(name: str) -> bool:
    """A name for who or what (a user, login or database name, a client's or key's id: not a
    row's `id`), the usual twin of a password."""
    words = name_parts(name)
    return bool(words) and (words[-1] in _IDENTITY_WORDS or (len(words) > 1 and words[-1] == "id" and words[-2] in ("client", "key", "app")))
# Environment lookups whose default is the value used when the variable is missing.
_ENV_GETTERS = frozenset({"getenv", "get", "config", "env", "str", "environ_get", "get_env", "getenv_or_default"})


def _is_env_lookup(ctx: Any, call: cst.Call) -> bool:
    name = dotted(call.func) or ""
    return (
        name in ("os.getenv", "os.environ.get", "getenv", "environ.get", "config", "env", "env.str", "decouple.config")
        or name.endswith(("environ.get", ".getenv"))
        or (ctx.imports.qualify(call.func) or "").startswith(("os.getenv", "os.environ.get", "decouple.config"))
        or _env_wrapper(call)
    )


def _env_wrapper(call: cst.Call) -> bool:
    """A project's own environment reader (`config_from_env("APP_SECRET", default="...")`): named
    for the environment, given a variable's name first and a default."""
    first = call.args[0] if call.args else None
    var = string_value(first.value) if first is not None and first.keyword is None else None
    return (
        var is not None and _ENV_NAME.fullmatch(var) is not None
        and "env" in name_parts(call_name(call) or "")
        and (len(call.args) > 1 and call.args[1].keyword is None or any(a.keyword is not None and a.keyword.value == "default" for a in call.args))
    )


_LABEL = re.compile(r"[a-z]{2,}(?:-[a-z]{2,})+")
"""Lowercase words joined by hyphens (`copilot-agent`, `mcp-http-session-owner`): a tag naming a caller."""
_CAMEL_WORDS = re.compile(r"[A-Z][a-z]+(?:[A-Z][a-z]+)+")
"""`RequestPolicy`: a class or type name."""


def _loopback_only(entries: list[tuple[str | None, cst.BaseExpression]]) -> bool:
    """A configuration whose every address is this machine's (`http://localhost:7002/...`,
    `"host": "localhost"`): a credential there is for a service on the same machine."""
    hosts = []
    for key, value in entries:
        text = string_value(value)
        if text is not None and key is not None and key.lower() in ("host", "hostname", "server", "address") and "://" not in text:
            hosts.append(text.lower())  # `{"host": "localhost", "port": 5039, "password": ...}`
        elif text is not None and "://" in text:
            try:
                hosts.append((urlsplit(text).hostname or "").lower())
            except ValueError:  # `http://[not-an-address]`
                return False
    return bool(hosts) and all(h in secrets.LOOPBACK_HOSTS or h.endswith(".localhost") for h in hosts)


class HardcodedSecret(Rule):
    """A password, token, key or credential is written into the source code.

    Secrets in code end up in every clone, fork, backup and CI log of the repository, cannot be
    rotated without a release, and are the same in every environment. The rule reads names
    (`DB_PASSWORD`, `SECRET_KEY`, `app.secret_key`, `api_key=`), the places that can only take a
    key (`jwt.encode(payload, key)`, `Fernet(key)`, `smtp.login(user, password)`), the defaults of
    environment lookups (`os.getenv("SECRET_KEY", "...")`, and a project's own reader named for the
    environment, `config_from_env("APP_SECRET", default="...")`), credentials inside connection URLs
    (`postgresql://app:s3cret@db.internal/app`, `...;PWD=...;`) and the shapes of well-known
    tokens (AWS, GitHub, GitLab, Slack, Stripe, Google, SendGrid, OpenAI, npm, PyPI, PEM private
    keys) anywhere.

    It leaves alone what bandit and ruff users complain about: empty strings, placeholders
    (`changeme`, `xxx`, `<password>`, `${DB_PASS}`, `mysecretpassword`, `qwerty`, hex filler such as
    `deadbeef-dead-beef-...`, one character repeated (`0000000000`), `not-needed`, the `auto` sentinel), a key or token compared with one
    to three lowercase words (`service_key == "slack"`: a choice, not a secret; a password
    compared with a word is still reported), values spelled from the
    user, login, database or client names set beside them (`MINIO_USER = "polar"` with
    `MINIO_PWD = "polarpolar"`, `CLIENT_ID = "evap"` with `CLIENT_SECRET = "evap-secret"`, or
    `os.environ["OIDC_CLIENT_ID"] = "schema-client"` with `..._SECRET"] = "schema-client-secret"`,
    or parameter defaults `user="postgres", password="postgres"`),
    a provider's prefix on a stand-in word (`xoxb-valid`), defaults of environment variables
    named for tests (`TEST_USER_PASSWORD`), regular expressions (by their name, `REGEX_USER_PASS`,
    or their syntax, also inside a URL: `r"https://([^:]+):([^@]+)@(.*)"`), devices' factory
    passwords printed in their manuals (`password="alpine"`, `raspberry`, `toor`, MinIO's `minioadmin`), words with
    letters outside ASCII (`'sys_user.password': '用户密码'`, a column's description), dotted
    paths of classes to load, publishable keys (PostHog `phc_`, Stripe `pk_live_`), blockchain account and
    contract addresses (`standard_token="0x2770...F628"`, `0x` and 40 hex digits, public by design: a private key
    has 64), lowercase hyphenated labels passed as keyword arguments or set where a token would go in a mapping
    (`{"osu_token": "invalid-request"}`: an outcome's label), also as an environment
    variable's default (`api_key="copilot-agent"`, `api_key=os.getenv("LMSTUDIO_API_KEY", "lm-studio")`),
    class names compared with a word (`token == "RequestPolicy"`), credentials in a configuration
    whose every address is this machine's (a local development identity server),
    values shared with keys that name no secret (`css["text"] = "input"`, `css["password"] =
    "input"`: a category per key), values equal to their own name
    (`refresh_token = "refresh_token"`), vocabulary (`Bearer`, `access`, `HS256`), names that end
    in `_type`, `_url`, `_field`, `_template`, `_header`..., environment variable names, enum
    members, values shown on a page or sent in a response body (`render(..., {"secret": ...})`),
    settings of a base module that the production settings module star-imports and sets again
    (or updates from a file the deployment writes: `vars().update(yaml.safe_load(f))`; or that ends by loading an overrides module a deployment writes: `from .local_settings import *`,
    `exec(f.read(), globals())`),
    stored password hashes (`$2b$...`, `pbkdf2_sha256$...`), field-name mappings (`{"password":
    "pass", ...}`), query predicates on a column (`User.password == "x"`), `login()` on objects
    that are not mail, file-transfer or shell clients, phrases used as keys (`"Change password":
    ...` in a message catalogue), actions on passwords (`reset_password`), form
    `labels`, named values in template and example settings files and in CI or test settings
    modules, development settings modules that switch `DEBUG = True` on (`settings/ci.py`,
    `settings/local_dev.py`) or layer over a sibling (`settings/dev.py` or `settings/devstack.py` doing `from .base import
    *`), overlays of a sibling that switch `DEBUG = True` on whatever they are named
    (`settings/docker.py` doing `from app.settings.common import *`), blocks for the test suite's run (`if TESTING:`), names that say public
    (`YOUTUBE_PUBLIC_API_KEY`, `publishable_key`), anti-forgery tokens (`"_csrf_token": "this-is-our-session"`, a
    nonce the client sends back; the key that signs them is a secret), benchmark or load-test packages (`shop-benchmark/`) and
    example, demo or documentation code, a package's test fixtures and developer task files (`examples/`, `demos/`,
    `docs/`, `userdb/fixtures/`, `noxfile.py`), the
    local or CI stack of a development or CI directory (`dev/containers/`, `devel/ci/integration/settings.py`; token
    shapes and private keys there are still reported), defaults the
    code refuses to run with (`if SECRET_KEY == "dev-key": raise ...`, or gives up with nothing: `if token == "abc123":
    return []`; a warning is not enough),
    sample values (dunder sentinels such as `"__pending_token__"`, values in an
    `if __name__ == "__main__":` block that asserts (a self-test), in functions named for development or tests such as `create_dev_user`,
    in classes so named or deriving from one (`class Base(Fixture)`: a fixture loader's sample rows; also
    `class LocalConfig`), and in
    constants named for tests or examples such as `URL_TESTS`; token shapes are still
    reported there, except a key named for tests in a test configuration class:
    `JWT_OIDC_TEST_PRIVATE_KEY_PEM` in `class TestConfig`), and test code
    (tests/, test_*.py, *_test.py, conftest.py) unless `include-tests` is set. No output ever
    shows the secret: the source line is masked in every format."""

    ID = "BL301"
    PEER_CODES = ("S105", "S106", "S107", "B105", "B106", "B107")
    LEVEL = Level.ERROR
    CONFIDENCE = Confidence.HIGH
    CWE = (798,)
    SECURITY_SEVERITY = 7.5
    TAGS = ("security", "secrets", "configuration")
    MESSAGE = "Hardcoded {what} in {where}; read it from the environment or a secret store"
    FIX = """Read secrets from the environment (or a secret manager) at start-up, and fail when
they are missing instead of falling back to a built-in value:

```python
SECRET_KEY = os.environ["SECRET_KEY"]
engine = create_engine(os.environ["DATABASE_URL"])
```

Rotate any secret that was committed: it stays in the repository's history."""
    REFERENCES = (
        "https://cwe.mitre.org/data/definitions/798.html",
        "https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html",
    )
    PREFILTER = (
        "pass", "Pass", "PASS", "pwd", "PWD", "secret", "Secret", "SECRET", "token", "Token", "TOKEN", "key", "Key",
        "KEY", "credential", "Credential", "CREDENTIAL", "auth", "Auth", "AUTH", "@", "AKIA", "ASIA", "jwt", "jose",
        "login", "Fernet", "hmac", "Serializer", "Signer", "BasicAuth", "DigestAuth", "_live_", "PRIVATE KEY", "AIza",
        "SG.", "sk-", "npm_", "pypi-", "hooks.slack", "gh", "glpat-", "xox",
    )
    TESTS = False

    INVALID = [
        Invalid('DB_PASSWORD = "Tr0ub4dor&3"', note="A password bound to a password-like name."),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            app.secret_key = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
            """,
            line=3,
            note="Flask's signing key for sessions.",
        ),
        Invalid(
            """
            SECRET_KEY = "django-insecure-q8#v!n2@k$w(3)r7^p0x_z%m"
            DEBUG = False
            """,
            line=1,
            path="mysite/settings.py",
            note="Django's SECRET_KEY in a settings module.",
        ),
        Invalid(
            """
            import jwt

            def issue(user_id):
                return jwt.encode({"sub": user_id}, "my jwt signing phrase", algorithm="HS256")
            """,
            line=4,
            note="A literal where only a key can go.",
        ),
        Invalid(
            """
            from sqlalchemy import create_engine
            engine = create_engine("postgresql://app:Xk29vLq7@db.internal:5432/shop")
            """,
            line=2,
            note="A password inside a connection URL.",
        ),
        Invalid(
            """
            import os
            SECRET_KEY = os.environ.get("SECRET_KEY", "a-long-dev-fallback-9c1f")
            """,
            line=2,
            note="A fallback value used whenever the variable is missing.",
        ),
        Invalid(
            """
            import boto3
            s3 = boto3.client("s3", aws_access_key_id=KEY_ID, aws_secret_access_key="Zq3+u8Rk1/WvT0pLx7Nf2Ya9sBd4HcE6gJm5KiO")
            """,
            line=2,
            note="A keyword argument named like a secret.",
        ),
        Invalid(
            """
            GITHUB = {"owner": "acme", "token": "ghp_R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3s12"}
            """,
            note="A dictionary entry, and a GitHub token shape.",
        ),
        Invalid(
            """
            import pyodbc
            conn = pyodbc.connect("DRIVER={ODBC Driver 18};SERVER=sql01;UID=report;PWD=iP0F3@s&9H;")
            """,
            line=2,
            note="An ODBC connection string with PWD= (bandit's #886).",
        ),
        Invalid(
            """
            import smtplib

            def send(msg):
                with smtplib.SMTP("smtp.example.net", 587) as smtp:
                    smtp.login("mailer", "S3ndM41lNow!")
            """,
            line=5,
            note="The password argument of a login call.",
        ),
        Invalid(
            """
            SETTINGS = {
                "SecretKey": {"default": "vnq8Kw2#p0xLr7", "type": str},
            }
            """,
            line=2,
            note="A setting declared with its default: the default is the value used when nothing overrides it.",
        ),
        Invalid(
            """
            DATABASE = {"DB_USER": "app", "DB_PASSWORD": "Zr8vQ2pLw4"}
            """,
            line=1,
            note="Environment-style keys with values: a password, not a map of setting names.",
        ),
        Invalid(
            """
            from app.config_helpers import config_from_env

            config_from_env("OPEN_ID_CLIENT_SECRET_KEY", default="JXeQExm0JhQPLumgHtIIqf52bDalHz0q")
            """,
            line=3,
            note="The project's own environment reader: its default is the secret used whenever the variable is missing.",
        ),
    ]
    VALID = [
        Valid(
            """
            import os

            MINIO_USER = "polar"
            MINIO_PWD = "polarpolar"
            OIDC_RP_CLIENT_ID = "evap"
            OIDC_RP_CLIENT_SECRET = "evap-secret"
            DATABASE = {
                "host": os.getenv("DB_HOST", "localhost"),
                "password": os.getenv("DB_PASSWORD", "mysecretpassword"),
            }
            """,
            note="Local defaults spelled from the names beside them, and the postgres image's documented example password.",
        ),
        Valid(
            """
            class StyledForm(ModelForm):
                def __init__(self, *args, **kwargs):
                    css_classes = {}
                    css_classes["text"] = "input"
                    css_classes["password"] = "input"
                    css_classes["checkbox"] = "checkbox"
                    super().__init__(*args, **kwargs)
            """,
            note="A CSS class per input type: the value is shared with keys that name no secret.",
        ),
        Valid('DB_PASSWORD = ""', note="Empty."),
        Valid(
            """
            import os
            DB_PASSWORD = os.environ["DB_PASSWORD"]
            SECRET_KEY = os.getenv("SECRET_KEY")
            """,
            note="Read from the environment.",
        ),
        Valid(
            """
            API_KEY = "changeme"
            DB_PASSWORD = "<your-password>"
            TOKEN = "${SERVICE_TOKEN}"
            """,
            note="Placeholders.",
        ),
        Valid(
            """
            refresh_token = "refresh_token"
            TOKEN_TYPE = "Bearer"
            password_field = "password"
            reset_password_url = "/account/reset"
            PASSWORD_RESET_TIMEOUT = 3600
            """,
            note="Vocabulary, names that are not secrets, and values equal to their name.",
        ),
        Valid(
            """
            import enum

            class GrantType(enum.Enum):
                PASSWORD = "password"
                REFRESH_TOKEN = "refresh_token"
            """,
            note="Enum members name things; they hold no secrets.",
        ),
        Valid(
            """
            DATABASE_URL = "postgresql://postgres:postgres@localhost:5432/app"
            BROKER_URL = "amqp://guest:guest@localhost//"
            """,
            note="Local development defaults whose password is the user name or the image default.",
        ),
        Valid(
            """
            SECRET_KEY_ENV = "APP_SECRET_KEY"
            PASSWORD = "DB_PASSWORD"
            """,
            note="Names of environment variables.",
        ),
        Valid(
            """
            def login(client):
                return client.post("/login", data={"username": "alice", "password": "correct horse"})
            """,
            path="tests/test_auth.py",
            note="Test code is skipped by default.",
        ),
        Valid(
            """
            ERRORS = {"password": "Password must have at least 8 characters"}
            AWS_DOCS_KEY = "AKIAIOSFODNN7EXAMPLE"
            """,
            note="Sentences, and the documented example key.",
        ),
        Valid(
            """
            from pydantic import BaseModel

            class LoginRequest(BaseModel):
                username: str
                password: str
                model_config = {"json_schema_extra": {"examples": [{"username": "alice", "password": "S3cure!Pass"}]}}
            """,
            note="API documentation examples are shown to API users; they are not credentials in use.",
        ),
        Valid(
            """
            def allow(response):
                response["Access-Control-Allow-Credentials"] = "true"

            DEFAULTS = {"dashboard_api_key": "false"}
            PLACEHOLDERS = [{"token": "%customer_name%", "resolves": "the customer's name"}]
            """,
            note="On/off switches and template variables under credential-like names.",
        ),
        Valid(
            """
            ENV_TO_SETTING = {
                "APP_SECRET_KEY": "SecretKey",
                "APP_DB_PASSWORD": "dbPassword",
                "APP_FED_PASSWORD": "federationKeyPassword",
                "APP_LOG_PATH": "LogFilePath",
                "APP_DATA_DIR": "dataDir",
                "APP_CERT_DIR": "certDir",
                "APP_KEY_DIR": "keyDir",
                "APP_HOST": "host",
                "APP_PORT": "port",
                "APP_P12_DIR": "p12Dir",
            }
            """,
            note="Which environment variable sets which setting: names, not values.",
        ),
        Valid(
            """
            import os
            password = os.environ.get("E2E_ADMIN_PASSWORD", "Adm1n-e2e-only!")
            """,
            path="scripts/seed_e2e_users.py",
            note="End-to-end test fixtures are test code.",
        ),
        Valid(
            """
            TRANSLATION = {
                "Change password": "パスワードを変更",
                "New password": "新しいパスワード",
            }
            ACCOUNT_FORMS = {"reset_password": "accounts.forms.StrictPasswordResetForm"}
            ACCOUNT_RATE_LIMITS = {"reset_password": "1/m/ip,1/m/key"}
            """,
            note="A message catalogue keyed by phrases, and the settings of an action on passwords (its form, its rate limit).",
        ),
        Valid(
            """
            from django import forms

            class MediaForm(forms.ModelForm):
                class Meta:
                    model = Media
                    fields = ["title", "friendly_token"]
                    labels = {"friendly_token": "Slug"}
            """,
            note="A form's field labels: what the page shows next to each field.",
        ),
        Valid(
            """
            from .base import *

            SECRET_KEY = "CISECRETKEYIGUESS"
            """,
            path="babyapp/settings/ci.py",
            note="A settings module for CI runs configures the test suite.",
        ),
        Valid(
            """
            from .base import *

            DEBUG = True
            SECRET_KEY = "local-development-only-4f9c2a"
            """,
            path="shop/settings/local_dev.py",
            note="A development settings module: it switches DEBUG on whatever the environment says, so it never runs in production.",
        ),
        Valid(
            """
            import os

            DEBUG = os.getenv("DEBUG") == "1"
            SECRET_KEY = os.getenv("SECRET_KEY", "insecure-dev-key-8d1f")
            if SECRET_KEY == "insecure-dev-key-8d1f" and not DEBUG:
                raise RuntimeError("set SECRET_KEY before serving")
            """,
            path="shop/config.py",
            note="A default the application refuses to serve with: it marks the key as not configured.",
        ),
        Valid(
            """
            import typer

            app = typer.Typer()

            @app.command()
            def create_dev_user(email: str = "dev@example.com", password: str = typer.Option("password1234", envvar="DEV_PASSWORD")):
                seed_user(email, password)

            PENDING_BOT_TOKEN = "__pending_bot_token__"
            """,
            note="A development seed command's default, and a sentinel for a token not yet given: sample values, not credentials.",
        ),
        Valid(
            """
            import os

            from slack_bolt import App

            def export_schema():
                os.environ["OIDC_CLIENT_ID"] = "schema-client"
                os.environ["OIDC_CLIENT_SECRET"] = "schema-client-secret"
                password = os.environ.get("APP_TEST_USER_PASSWORD", "password1234")
                return App(token="xoxb-valid", token_verification_enabled=False), password
            """,
            note="A secret spelled from the client id set beside it, the default of a variable named for tests, "
                 "and a provider's prefix on a stand-in word: stub values.",
        ),
        Valid(
            """
            DEFAULT_EMAIL = "loadtest@example.com"
            DEFAULT_PASSWORD = "password1234"
            """,
            path="packages/shop-benchmark/shop_benchmark/runner.py",
            note="A benchmark package logs into the seeded deployment it measures: like seed data, only real key shapes count.",
        ),
        Valid(
            r"""
            import re

            REGEX_CAMERA_USER_PASS = r"user=[a-zA-Z0-9_-]+&password=[\S]+"
            HEADER_TOKEN = r"[!#$%&'*+.^_`|~A-Za-z0-9-]+"
            POSTHOG_PROJECT_API_KEY = "phc_Xq1ZbS3rYt7uVw9oPa2sDf4gHj6kLm8nBv0cEi5"
            ENCRYPTION_SECRET_KEY = "fillmein"
            DJOSER = {"SERIALIZERS": {"token": "accounts.serializers.TokenSerializer"}}
            AUTH_CONFIGS = [{
                "uri": "http://localhost:7002/realms/dev",
                "client_id": "dev-backend",
                "client_secret": "JXeQExm0JhQPLumgHtIIqf52bDalHz0q",
            }]

            def run_for_assistant(workflow_id):
                return execute_workflow(workflow_id, api_key="assistant-agent")

            def classify(text):
                for match in re.finditer(r"\w+", text):
                    token = match.group(0)
                    if token == "RequestPolicy":
                        return True
            """,
            note="Patterns that find credentials, a publishable analytics key, a placeholder, a class to load, the "
                 "client of a development identity server on this machine, a caller's label and a class name: none "
                 "is a secret.",
        ),
        Valid(
            """
            import os

            PYCON_API_KEY = os.environ.get("PYCON_API_KEY", "deadbeef-dead-beef-dead-beefdeadbeef")
            LLM_API_KEY = os.environ.get("LLM_API_KEY", "not-needed")

            def connect(service_key: str, api_key: str = "auto"):
                if service_key == "slack":
                    return SlackClient()
                if api_key == "auto":
                    api_key = new_key()
                return Client(api_key)
            """,
            note="Hex filler and a \"no key\" placeholder as defaults; a key compared with a provider's name or the "
            "`auto` sentinel is a choice, not a secret.",
        ),
        Valid(
            """
            import os
            import sys

            from .base import *

            SECRET_KEY = os.environ.get("SECRET_KEY", "osMsNM0PqlRHBlUvqmeJ7+ldU3IUETCrY9TrmiViaSmInBHolr1")
            TESTING = "pytest" in sys.modules

            if TESTING:
                MATTERMOST_SIGNING_SECRET = "f0cb4953bec053e6e616febf2c2392ff60bd02c453a52ab53d9a8b0d"

            YOUTUBE_PUBLIC_API_KEY = "AIzaSyA-public-web-client-key"
            """,
            path="engine/settings/dev.py",
            note="A development overlay of the base settings (`settings/dev.py` star-importing `.base`), a block for "
            "the test suite's run, and a key named public.",
        ),
        Valid(
            """
            import requests
            from requests.auth import HTTPBasicAuth

            def forward_to_calendar(request, user_dir, path):
                # the calendar server trusts the proxy; it only needs some password in the header
                return requests.get(f"{CALENDAR_URL}/{user_dir}/{path}", auth=HTTPBasicAuth(user_dir, "calendar"), timeout=10)
            """,
            note="One lowercase word for every user the code names at run time: a stand-in the server ignores, not a credential.",
        ),
        Valid(
            """
            class Base(Fixture):
                def insert(self):
                    admin = User(email="admin@admin.admin")
                    admin.password = "admin@admin.admin"
                    self._session.add(admin)
            """,
            path="app/fixtures/users.py",
            note="The sample rows a fixture loader inserts (a class deriving from `Fixture`).",
        ),
    ]

    def __init__(self, ctx: Any, options: Mapping[str, Any]) -> None:
        super().__init__(ctx, options)
        self._done: set[int] = set()
        self._enum_depth = 0
        self._identities: dict[int, frozenset[str]] = {}
        # A template or example settings file is copied and filled in: only values with the
        # shape of a real key (PEM, provider tokens) are reported there.
        # Seed and demo-data modules give demo accounts their passwords: likewise.
        # Settings modules for CI and test runs configure the test suite, like test config classes.
        # Benchmark and load-test packages log into the seeded deployment they measure.
        # Example and demo code (`examples/`, `demos/`) shows how to call the service with sample values; a
        # `fixtures/` package builds the test suite's sample records.
        # A development or CI directory (`dev/containers/`, `devel/ci/integration/`) holds the local or CI stack:
        # its credentials are that throwaway stack's (a compose emulator's `s4secret`).
        # So do development settings modules: one that switches DEBUG on unconditionally
        # (`settings/local_dev.py` with `DEBUG = True`), or a development overlay of the base
        # settings (`settings/dev.py` doing `from .base import *`), is never the production module;
        # nor is an overlay, whatever its name, that switches DEBUG on (`settings/docker.py`).
        # A command named for development (`management/commands/dev_db.py`) builds a local
        # database for a developer, with the sample users' passwords.
        self._template = (
            project.is_template_path(ctx.path) or project.is_seed_path(ctx.path) or _TEST_SETTINGS.search(ctx.path) is not None
            or ((project.is_command_path(ctx.path) or project.is_cli_path(ctx.path)) and project.is_dev_path(ctx.path))
            or project.is_development_settings(ctx.path, ctx.text)
            or _BENCHMARK_PATH.search(ctx.path) is not None or _EXAMPLE_DIR.search(ctx.path) is not None
            or _DEV_STACK_DIR.search(ctx.path) is not None
        )

    # -- reporting ------------------------------------------------------------------------------

    def _flag(self, node: cst.CSTNode, what: str, where: str, *, token: bool = False) -> None:
        if id(node) in self._done or (not token and (self._demonstration() or routes.in_api_example(self.ctx))):
            return  # (a provider token's shape is reported wherever it is: it is usable as it stands)
        self._done.add(id(node))
        self.report(node, what=what, where=where, redact=[node])

    def _demonstration(self) -> bool:
        """Inside an `if __name__ == "__main__":` block or a function only that block calls (a
        module's self-test or manual run), a function named for development or tests
        (`create_dev_user`, `seed_demo`, `_load_api_testing_configuration`), a class so named or
        deriving from one (`class Base(Fixture)`), or a constant named for tests, examples or development
        (`URL_TESTS`, `EXAMPLE_CONFIG`, `DEV_PASSWORD`): sample values, not the service's credentials."""
        manual = not _ENTRY_POINT.search(self.ctx.path)  # a package module's manual run, not the program's start
        main_only = self.ctx.memo("BL301-main-only", lambda: _called_only_from_main(self.ctx.module)) if manual else frozenset()
        stack = self.ctx.stack
        for i, node in enumerate(stack):
            if isinstance(node, cst.If) and _main_guard(node.test) and i + 1 < len(stack) and stack[i + 1] is node.body and (
                manual or any(isinstance(n, cst.Assert) for n in iter_descendants(node.body))
            ):
                return True  # a self-test or a manual run, not the service started with its settings
            if isinstance(node, cst.FunctionDef) and node.name.value in main_only and i > 0 and isinstance(stack[i - 1], cst.Module):
                return True
            if isinstance(node, cst.If) and node.test is not None and _TESTING_FLAG.fullmatch(dotted(node.test) or ""):
                return True  # `if TESTING:` (settings for the test suite's run)
            if isinstance(node, cst.FunctionDef) and set(name_parts(node.name.value)) & _DEMO_FUNCTION_WORDS:
                return True
            if isinstance(node, cst.ClassDef) and any(
                    set(name_parts(name)) & _DEMO_FUNCTION_WORDS
                    for name in (node.name.value, *((dotted(b.value) or "").rsplit(".", 1)[-1] for b in node.bases))):
                return True  # `class Test(Fixture)`: the sample rows a fixture loader inserts
            if isinstance(node, cst.ClassDef) and name_parts(node.name.value) in _LOCAL_CONFIGURATION:
                return True  # `class LocalConfig(DefaultConfig)`: a developer's machine's settings, beside the deployed ones
            if isinstance(node, (cst.Assign, cst.AnnAssign)):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                if any(isinstance(t, cst.Name) and set(name_parts(t.value)) & _DEMO_CONSTANT_WORDS for t in targets):
                    return True
        return False

    def _check_named(
        self, name: str, value: cst.BaseExpression | None, where: str | None = None, identities: frozenset[str] = frozenset()
    ) -> None:
        """A value bound to `name`: flag its literal parts when the name is a secret's.

        `identities` are the user, login or database names set beside it: a password equal to
        one of them is a local default (`USER = "app"`, `PASSWORD = "app"`)."""
        if value is None or self._enum_depth or self._template:
            return
        what = secrets.secret_name(name)
        if what is None or routes.in_api_example(self.ctx):  # token shapes are checked apart
            return
        refused = self.ctx.memo("BL301-refused", lambda: _refused_literals(self.ctx.module))
        for literal in _candidate_literals(self.ctx, value):
            text = string_value(literal)
            if text is not None and text not in identities and text not in refused and secrets.looks_real(text, name) \
                    and not secrets.spelled_from(text, identities):
                self._flag(literal, what, where or f"`{name}`")

    def _scope_identities(self) -> frozenset[str]:
        scope, _ = self.ctx.current_scope()
        cached = self._identities.get(id(scope))
        if cached is None:
            values: set[str] = set()
            for name in scope.names():
                if _is_identity(name.rsplit(".", 1)[-1]):
                    for d in scope.definitions(name):
                        if d.value is not None:
                            values.update(string_value(lit) or "" for lit in _candidate_literals(self.ctx, d.value))
            cached = self._identities[id(scope)] = frozenset(values - {""})
        return cached

    # -- the places a secret can be written -----------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if _names_values_only(node):
            self._enum_depth += 1

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        if _names_values_only(node):
            self._enum_depth -= 1

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._target(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target, node.value)

    def _target(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            if value is not None and secrets.secret_name(target.value):
                if self.ctx.function() is None and (self.ctx.project.overridden(self.ctx.path, target.value) or self._overrides_follow()):
                    return  # a base settings module: the production module that imports it, or that it loads last, sets it again
                self._check_named(target.value, value, identities=self._scope_identities())
        elif isinstance(target, cst.Attribute):
            self._check_named(target.attr.value, value, f"`{dotted(target) or target.attr.value}`",
                              identities=self._attribute_identities(target))
        elif isinstance(target, cst.Subscript) and len(target.slice) == 1:
            index = target.slice[0].slice
            key = string_value(index.value) if isinstance(index, cst.Index) else None
            if key is not None and not self._shared_by_other_keys(target, value):
                self._check_named(key, value, f"`{key}`", identities=self._keyed_identities(target))

    def _keyed_identities(self, target: cst.Subscript) -> frozenset[str]:
        """The values set beside it under identity keys of the same mapping, in the same block:
        `os.environ["OIDC_CLIENT_ID"] = "openapi-client"` next to `..._SECRET`."""
        return frozenset(text for key, text in self._beside(target) if text and _is_identity(key))

    def _attribute_identities(self, target: cst.Attribute) -> frozenset[str]:
        """The literals set beside it, in the same block, on identity attributes of the same
        object: `self._username = os.getenv("NEO4J_USER", "neo4j")` next to `self._password`."""
        if not secrets.secret_name(target.attr.value):
            return frozenset()
        found: set[str] = set()
        for other, value in self._block_assignments(target):
            if isinstance(other, cst.Attribute) and _is_identity(other.attr.value) and other.value.deep_equals(target.value):
                found.update(string_value(lit) or "" for lit in _candidate_literals(self.ctx, value))
        return frozenset(found - {""})

    def _shared_by_other_keys(self, target: cst.Subscript, value: cst.BaseExpression | None) -> bool:
        """`css["password"] = "input"` beside `css["text"] = "input"`: the same value set under
        another key of the same mapping, one that names no secret, is a category, not a secret."""
        text = string_value(value) if value is not None else None
        return text is not None and any(t == text and secrets.secret_name(key) is None for key, t in self._beside(target))

    def _beside(self, target: cst.Subscript) -> Iterator[tuple[str, str | None]]:
        """(key, literal value) of the other `mapping["key"] = value` statements of the block that
        assigns `target`, on the same mapping."""
        for other, value in self._block_assignments(target):
            if isinstance(other, cst.Subscript) and other.value.deep_equals(target.value) \
                    and len(other.slice) == 1 and isinstance(other.slice[0].slice, cst.Index):
                key = string_value(other.slice[0].slice.value)
                if key is not None:
                    yield key, string_value(value)

    def _block_assignments(self, target: cst.BaseAssignTargetExpression) -> Iterator[tuple[cst.BaseAssignTargetExpression, cst.BaseExpression]]:
        """(target, value) of the other simple assignments in the block that assigns `target`."""
        block = next((n for n in reversed(self.ctx.stack) if isinstance(n, (cst.IndentedBlock, cst.Module))), None)
        for stmt in block.body if block is not None else ():
            for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
                if isinstance(small, cst.Assign):
                    yield from ((t.target, small.value) for t in small.targets if t.target is not target)

    def _overrides_follow(self) -> bool:
        """In a settings module, the current module-level statement is followed by the load of an
        overrides module a deployment writes (see `syntax.overrides_follow`)."""
        return project.is_settings_path(self.ctx.path) and overrides_follow(self.ctx.module, self.ctx.stack[1] if len(self.ctx.stack) > 1 else None)

    def _is_page_context(self, node: cst.Dict) -> bool:
        parent = self.ctx.parent(node)
        if isinstance(parent, cst.Arg):
            call = self.ctx.parent(parent)
            return isinstance(call, cst.Call) and (call_name(call) or "") in _PAGE_CALLS
        return False

    def _labels(self, node: cst.Dict) -> bool:
        parent = self.ctx.parent(node)
        if not isinstance(parent, cst.Assign):
            return False
        return any(isinstance(t.target, cst.Name) and t.target.value in _LABEL_MAPS for t in parent.targets)

    def visit_Param(self, node: cst.Param) -> None:
        # `def __init__(self, user="postgres", password="postgres")`: a password equal to the user
        # or database name beside it is a local default, as in a dict or a call.
        params = self.ctx.parent()
        names = frozenset(
            string_value(p.default) or "" for p in params.params
            if p is not node and p.default is not None and _is_identity(p.name.value)
        ) - {""} if isinstance(params, cst.Parameters) else frozenset()
        self._check_named(node.name.value, node.default, identities=names)

    def visit_Dict(self, node: cst.Dict) -> None:
        if self._is_page_context(node):
            return  # data shown on a page or sent in a body, not a credential the code uses
        if self._labels(node):
            return  # `labels = {"api_token": "Token"}`: what a form shows next to each field
        entries = [(string_value(e.key), e.value) for e in node.elements if isinstance(e, cst.DictElement)]
        if _field_mapping(entries) or _env_name_mapping(entries):
            return  # `{"username": "login", "password": "pass"}`: which field is called what
        if _loopback_only(entries):
            return  # `{"uri": "http://localhost:7002/realms/dev", "client_secret": ...}`: a local development service
        if self.ctx.function() is None and self._overrides_follow():
            return  # a base settings module's dict, which the overrides module it loads last sets again
        # `{"USER": "app", "PASSWORD": "app"}`: a password equal to the user or database name
        # is a local default, like `postgres:postgres@localhost`.
        names: set[str] = set()
        for key, value in entries:
            if key is not None and _is_identity(key):
                names.update(string_value(lit) or "" for lit in _candidate_literals(self.ctx, value))
        # `{"text": "input", "password": "input"}`: a value shared with a key that names no
        # secret is a category (a CSS class per input type), not a secret.
        shared = {string_value(v) for k, v in entries if k is not None and secrets.secret_name(k) is None} - {None}
        for key, value in entries:
            if key is not None and secrets.secret_name(key) == "token" and _LABEL.fullmatch(string_value(value) or ""):
                continue  # `{"osu_token": "invalid-request"}`: an outcome's label where a token would go, no token
            if key is not None and string_value(value) not in shared:
                self._check_named(key, value, f"the `{key}` entry", frozenset(names - {""}))

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if len(node.comparisons) != 1 or not isinstance(node.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
            return
        left, right = node.left, node.comparisons[0].comparator
        for name_side, value_side in ((left, right), (right, left)):
            name = dotted(name_side)
            if name is not None and name[:1].isupper():
                continue  # `User.password == "x"`: a query predicate on a column, not a credential
            text = string_value(value_side)
            selector = secrets.LOWER_WORDS.fullmatch(text or "") is not None and secrets.secret_name(name or "") != "password"
            if name is not None and text is not None and not _CAMEL_WORDS.fullmatch(text) and not selector:
                # (`token == "RequestPolicy"`: a word of some text compared with a class name;
                # `service_key == "slack"`, `api_key == "auto"`: a choice among names or a sentinel; a
                # password compared with a word is a backdoor all the same)
                self._check_named(name.rsplit(".", 1)[-1], value_side, f"a comparison with `{name}`")

    def visit_Call(self, node: cst.Call) -> None:
        keywords = [(a.keyword.value, a.value) for a in node.args if a.keyword is not None]
        if any(secrets.secret_name(key) for key, _ in keywords):
            names = frozenset(
                string_value(lit) or "" for key, value in keywords if _is_identity(key) for lit in _candidate_literals(self.ctx, value)
            )
            for key, value in keywords:
                literals = [string_value(lit) or "" for lit in _candidate_literals(self.ctx, value)]
                if not key.isupper() and literals and all(_LABEL.fullmatch(text) for text in literals):
                    # `api_key="copilot-agent"`, `api_key=os.getenv("LMSTUDIO_API_KEY", "lm-studio")`: words
                    # naming a caller or a product, a tag, not a key
                    continue
                self._check_named(key, value, f"the `{key}=` argument", names)
        if _is_env_lookup(self.ctx, node):
            parent = self.ctx.parent()
            # Assignments, dict entries and keyword arguments read their env defaults themselves,
            # knowing the user names set beside them.
            if not isinstance(parent, (cst.Assign, cst.AnnAssign, cst.DictElement, cst.Arg, cst.BooleanOperation)):
                self._env_default(node)
            return
        last = call_name(node) or ""
        candidates = _KEY_ARGUMENTS_BY_NAME.get(last)
        if candidates:
            qualified = self.ctx.imports.qualify(node.func) or dotted(node.func) or ""
            for suffix, (index, what) in candidates:
                if qualified == suffix or qualified.endswith("." + suffix):
                    self._key_argument(node, index, what, qualified)
                    return
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _LOGIN_METHODS and self._client(func.value):
            self._key_argument(node, 1, "password", f"{dotted(func) or func.attr.value}")

    def _client(self, receiver: cst.BaseExpression) -> bool:
        """A mail, file-transfer, shell or directory client (`smtplib.SMTP(...)`, `ftp`, `ssh`),
        by what made it or by its name: `report.login(...)` is the application's own function."""
        for value, _ in assigned_values(Env.here(self.ctx), receiver):
            if isinstance(value, cst.Call):
                made_by = qualified_name(self.ctx, value)
                if made_by.startswith(_CLIENT_MODULES):
                    return True
        words = set(name_parts((dotted(receiver) or "").rsplit(".", 1)[-1]))
        return bool(words & _CLIENT_WORDS)

    def _key_argument(self, call: cst.Call, index: int, what: str, callee: str) -> None:
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if len(positional) <= index:
            return
        literal = positional[index].value
        text = string_value(literal)
        if text is not None and index == 1 and text.isalpha() and text.islower() and string_value(positional[0].value) is None:
            return  # `HTTPBasicAuth(user_dir, "tracim")`: one word for every user the code names at run time, a stand-in
        if text is not None and len(text) > 2 and any(c.isalnum() for c in text) and secrets.looks_real(text, None, key_argument=True):
            self._flag(literal, what, f"the call to `{callee}()`")

    def _env_default(self, call: cst.Call) -> None:
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if not positional:
            return
        var = string_value(positional[0].value)
        if var is None:
            return
        default = positional[1].value if len(positional) > 1 else None
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in ("default", "fallback"):
                default = arg.value
        if default is not None and not _test_variable(call):
            self._check_named(var, default, f"the default for `{var}`")

    # -- shapes anywhere ------------------------------------------------------------------------

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        parent = self.ctx.parent()
        if isinstance(parent, (cst.Expr, cst.ConcatenatedString)):
            return  # docstrings and bare strings; concatenations are read whole
        self._shapes(node)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        parent = self.ctx.parent()
        if isinstance(parent, (cst.Expr, cst.ConcatenatedString)):
            return
        self._shapes(node)

    def _shapes(self, node: cst.BaseExpression) -> None:
        raw = node.value if isinstance(node, cst.SimpleString) else None
        if raw is not None and (len(raw) < 14 or not _SHAPE_HINT.search(raw)):
            return  # too short, or nothing any token shape or credential starts with
        text = string_value(node)
        if text is None or len(text) < 12:
            return
        what = secrets.token_shape(text)
        if what is not None:
            if self._test_key_of_test_class(node):
                return
            self._flag(node, what, "a string literal", token=True)
            return
        if "://" in text or "=" in text:
            creds = secrets.url_credentials(text)
            if creds is not None:
                label = "password" if creds.scheme == "odbc" else f"password in a `{creds.scheme}://` URL"
                self._flag(node, label, "a connection string")


    def _test_key_of_test_class(self, node: cst.BaseExpression) -> bool:
        """`JWT_OIDC_TEST_PRIVATE_KEY_PEM = "-----BEGIN RSA PRIVATE KEY..."` in `class TestConfig`:
        named for tests, in the test suite's configuration, twice said to be the tests' own key."""
        cls = self.ctx.enclosing_class()
        if cls is None or not _TEST_CONFIG_CLASS.match(cls.name.value):
            return False
        parent = next((a for a in self.ctx.ancestors() if isinstance(a, (cst.Assign, cst.AnnAssign, cst.BaseCompoundStatement,
                                                                        cst.SimpleStatementLine))), None)  # (also `textwrap.dedent("""...""")`)
        if not isinstance(parent, (cst.Assign, cst.AnnAssign)):
            return False
        targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
        return all(isinstance(t, cst.Name) and "test" in name_parts(t.value) for t in targets)


_DEMO_FUNCTION_WORDS = frozenset({"dev", "development", "demo", "test", "tests", "testing", "sample", "example", "seed", "fixture",
                                  "fixtures", "fake", "dummy"})
_DEMO_CONSTANT_WORDS = frozenset({"test", "tests", "example", "examples", "sample", "samples", "demo", "dev", "development"})
_LOCAL_CONFIGURATION = [["local", word] for word in ("config", "settings", "configuration", "conf")]
"""`LocalConfig`, `LocalSettings`: the configuration class of a developer's machine (not `LocalStorage`)."""


_ENTRY_POINT = re.compile(r"(^|/)(main|app|application|bot|run|server|serve|start|wsgi|asgi|manage|cli|__main__|worker|daemon)\.py$")
"""Files that start the program: their `__main__` block (and its `main()`) is how the service runs."""


def _called_only_from_main(module: cst.Module) -> frozenset[str]:
    """Module-level functions called in the `if __name__ == "__main__":` block and nowhere else
    in the module (`def main(): ...` run by hand)."""
    main_calls: set[str] = set()
    other_calls: set[str] = set()
    own_names = {id(n.name) for n in iter_descendants(module) if isinstance(n, (cst.FunctionDef, cst.ClassDef))}
    for stmt in module.body:
        inside = isinstance(stmt, cst.If) and _main_guard(stmt.test)
        for n in iter_descendants(stmt):
            if isinstance(n, cst.Call) and isinstance(n.func, cst.Name):
                (main_calls if inside else other_calls).add(n.func.value)
            elif isinstance(n, cst.Name) and not inside and id(n) not in own_names:
                other_calls.add(n.value)  # passed on (`register(main)`, `entry = main`)
    defined = {s.name.value for s in module.body if isinstance(s, cst.FunctionDef)}
    return frozenset((main_calls & defined) - other_calls)


def _main_guard(test: cst.BaseExpression) -> bool:
    """`__name__ == "__main__"`."""
    return (
        isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and test.left.value == "__name__"
        and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.Equal)
        and string_value(test.comparisons[0].comparator) == "__main__"
    )


def _refused_literals(module: cst.Module) -> frozenset[str]:
    """Literals the code refuses to run with: compared in the test of an `if` whose body raises or
    exits (`if SECRET_KEY == "dev-key" and not DEBUG: raise RuntimeError(...)`; also through a
    module constant bound to one, `SECRET_KEY == DEFAULT_SECRET_KEY`), or gives up with
    nothing (`if token == "abc123": return []`, the placeholder of `.env.example`). Such a default
    marks "not configured"; it never signs anything in production. (A warning is not a refusal; nor
    is `return user` or `return True`, which lets the literal in.)"""
    refused: set[str] = set()
    constants = {  # `DEFAULT_SECRET_KEY = "..."`, then `if SECRET_KEY == DEFAULT_SECRET_KEY: raise ...`
        t.target.value: text for stmt in module.body if isinstance(stmt, cst.SimpleStatementLine)
        for small in stmt.body if isinstance(small, cst.Assign) and (text := string_value(small.value)) is not None
        for t in small.targets if isinstance(t.target, cst.Name)}
    for node in iter_descendants(module):
        if not isinstance(node, cst.If) or not (any(
            isinstance(n, cst.Raise) or (isinstance(n, cst.Call) and (dotted(n.func) or "") in ("sys.exit", "exit", "os._exit"))
            for n in iter_descendants(node.body)
        ) or _gives_up(node.body)):
            continue
        for test in [node.test, *iter_descendants(node.test)]:
            if isinstance(test, cst.Comparison) and any(isinstance(c.operator, (cst.Equal, cst.In)) for c in test.comparisons):
                for side in [test.left, *(c.comparator for c in test.comparisons)]:
                    parts = [e.value for e in side.elements] if isinstance(side, (cst.Tuple, cst.List, cst.Set)) else [side]
                    refused.update(t for p in parts if (t := string_value(p) if not isinstance(p, cst.Name) else constants.get(p.value))
                                   is not None)
    return frozenset(refused)


def _gives_up(body: cst.BaseSuite) -> bool:
    """A block that ends by returning nothing: `return`, `None`, `False` or an empty literal."""
    last = body.body[-1] if isinstance(body, cst.IndentedBlock) and body.body else None
    if not isinstance(last, cst.SimpleStatementLine) or not isinstance(last.body[-1], cst.Return):
        return False
    value = last.body[-1].value
    return value is None or (isinstance(value, cst.Name) and value.value in ("None", "False")) \
        or (isinstance(value, (cst.List, cst.Tuple, cst.Dict, cst.Set)) and not value.elements) \
        or (isinstance(value, cst.SimpleString) and string_value(value) == "")


_TESTING_FLAG = re.compile(r"(?:\w+\.)*(?:TESTING|IS_TESTING|RUNNING_TESTS|UNDER_TEST|TEST_MODE|UNIT_TESTING)")
_TEST_SETTINGS = re.compile(r"(^|/)(settings/(ci|test|tests|testing)|(ci|test|testing)_settings|settings_(ci|test|testing))\.py$")
_DEV_STACK_DIR = re.compile(r"(^|/)(dev|devel|development|ci)/")
_EXAMPLE_DIR = re.compile(r"(^|/)(demos|docs?|noxfiles)/|(^|/)noxfile\.py$|./fixtures?/")
"""Example, demo and documentation code, and a package's `fixtures/` (`userdb/fixtures/`: the test suite's sample
records; not a repository's top-level `fixtures/`, which may hold whole example applications)."""
_BENCHMARK_PATH = re.compile(r"(^|[/_-])(benchmarks?|load[-_]?tests?|locust|perf[-_]?tests?)[-_]?[^/]*/", re.I)
_LABEL_MAPS = frozenset({"labels", "help_texts", "error_messages", "verbose_names", "placeholders", "field_labels"})
_CLIENT_MODULES = ("smtplib.", "imaplib.", "poplib.", "ftplib.", "paramiko.", "ldap", "pysftp.", "telnetlib.", "aiosmtplib.")
_CLIENT_WORDS = frozenset({"smtp", "imap", "pop", "pop3", "ftp", "sftp", "ssh", "mail", "mailer", "mailserver", "server",
                           "client", "conn", "connection", "ldap", "telnet"})
_FIELD_NAME = re.compile(r"[a-z][a-z_]*")


def _field_mapping(entries: list[tuple[str | None, cst.BaseExpression]]) -> bool:
    """A dict of three or more entries whose values are all lower-case field names (no digits,
    no capitals, no symbols): a mapping of fields (`{"password": "provider"}`), not credentials."""
    values = [string_value(v) for _, v in entries]
    return len(values) >= 3 and all(v is not None and _FIELD_NAME.fullmatch(v) for v in values)


_TEST_CONFIG_CLASS = re.compile(r"^(Test|Testing|UnitTest)\w*(Config|Settings|Configuration)$")


def _names_values_only(node: cst.ClassDef) -> bool:
    """An enum (its members name things) or a test configuration class (`TestingConfig`: values
    for the test suite): no credential in use is written there."""
    bases = {(dotted(b.value) or "").rsplit(".", 1)[-1] for b in node.bases}
    return bool(bases & {"Enum", "IntEnum", "StrEnum", "Flag", "TextChoices", "IntegerChoices", "Choices"}) or bool(
        _TEST_CONFIG_CLASS.match(node.name.value)
    )


_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _env_name_mapping(entries: list[tuple[str | None, cst.BaseExpression]]) -> bool:
    """A dict from environment variable names to identifiers, nearly all without digits
    (`{"APP_SECRET_KEY": "SecretKey", "APP_LOG_PATH": "LogPath", "APP_P12_DIR": "p12Dir"}`):
    where each setting is read from, not its value. (One identifier in ten may hold a digit;
    `{"DB_PASSWORD": "abc123", "DB_USER": "app"}` is values.)"""
    values = [string_value(v) for _, v in entries]
    return (
        len(entries) >= 2
        and all(k is not None and _ENV_NAME.fullmatch(k) for k, _ in entries)
        and all(v is not None and _IDENTIFIER.fullmatch(v) for v in values)
        and 10 * sum(any(c.isdigit() for c in v or "") for v in values) <= len(values)
    )



_DEFAULT_KEYS = ("default", "value", "fallback")


def _candidate_literals(ctx: Any, value: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The string literals a value may be: itself, `x or "fallback"`, both branches of a
    conditional, the default of an environment lookup, the `"default"` of a setting declared
    as a dict (`"SecretKey": {"default": "...", "type": str}`)."""
    if string_value(value) is not None:
        return [value]
    if isinstance(value, cst.Dict):
        return [
            e.value for e in value.elements
            if isinstance(e, cst.DictElement) and string_value(e.key) in _DEFAULT_KEYS and string_value(e.value) is not None
        ]
    if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or):
        return _candidate_literals(ctx, value.right)
    if isinstance(value, cst.IfExp):
        return _candidate_literals(ctx, value.body) + _candidate_literals(ctx, value.orelse)
    if isinstance(value, cst.Call) and _is_env_lookup(ctx, value) and not _test_variable(value):
        positional = [a.value for a in value.args if a.keyword is None and not a.star]
        defaults = positional[1:2] + [a.value for a in value.args if a.keyword is not None and a.keyword.value in ("default", "fallback")]
        return [d for d in defaults if string_value(d) is not None]
    return []


def _test_variable(lookup: cst.Call) -> bool:
    """An environment variable named for tests (`TEST_USER_PASSWORD`): its default is the test
    account's, not the service's."""
    var = string_value(lookup.args[0].value) if lookup.args and lookup.args[0].keyword is None else None
    return var is not None and bool(set(name_parts(var)) & _DEMO_CONSTANT_WORDS)
