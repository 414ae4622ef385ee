from __future__ import annotations

import ipaddress
import re
from typing import Any, Mapping
from urllib.parse import urlsplit

import libcst as cst

from backlint.findings import Confidence, Level
from backlint.frameworks import project, routes, secrets
from backlint.frameworks.hosts import LOCAL_HOSTS, internal_host, is_ip
from backlint.frameworks.imports import dotted
from backlint.frameworks.values import Env, assigned_values, qualified_name
from backlint.rule import Invalid, Rule, Valid
from backlint.syntax import argument, call_name, keyword_arg, name_parts, string_value

# Clients and engines, by the end of their qualified name: (positional index of the address or
# -1, keyword names that take an address).
_SINKS: dict[str, tuple[int, tuple[str, ...]]] = {
    "create_engine": (0, ("url",)),
    "create_async_engine": (0, ("url",)),
    "psycopg2.connect": (0, ("dsn", "host")),
    "psycopg.connect": (0, ("conninfo", "host")),
    "psycopg.AsyncConnection.connect": (0, ("conninfo", "host")),
    "pymysql.connect": (-1, ("host",)),
    "MySQLdb.connect": (-1, ("host",)),
    "mysql.connector.connect": (-1, ("host",)),
    "asyncpg.connect": (0, ("dsn", "host")),
    "asyncpg.create_pool": (0, ("dsn", "host")),
    "aiomysql.connect": (-1, ("host",)),
    "aiomysql.create_pool": (-1, ("host",)),
    "aiopg.connect": (0, ("dsn", "host")),
    "aiopg.create_pool": (0, ("dsn", "host")),
    "redis.Redis": (-1, ("host",)),
    "redis.StrictRedis": (-1, ("host",)),
    "redis.from_url": (0, ("url",)),
    "Redis.from_url": (0, ("url",)),
    "redis.asyncio.Redis": (-1, ("host",)),
    "redis.asyncio.from_url": (0, ("url",)),
    "aioredis.from_url": (0, ("url",)),
    "pymongo.MongoClient": (0, ("host",)),
    "AsyncIOMotorClient": (0, ("host",)),
    "pika.ConnectionParameters": (0, ("host",)),
    "pika.URLParameters": (0, ("url",)),
    "kombu.Connection": (0, ("hostname",)),
    "celery.Celery": (-1, ("broker", "backend")),
    "elasticsearch.Elasticsearch": (0, ("hosts",)),
    "databases.Database": (0, ("url",)),
    "boto3.client": (-1, ("endpoint_url",)),
    "boto3.resource": (-1, ("endpoint_url",)),
    "httpx.Client": (-1, ("base_url",)),
    "httpx.AsyncClient": (-1, ("base_url",)),
    "KafkaProducer": (-1, ("bootstrap_servers",)),
    "KafkaConsumer": (-1, ("bootstrap_servers",)),
    "AIOKafkaProducer": (-1, ("bootstrap_servers",)),
    "AIOKafkaConsumer": (-1, ("bootstrap_servers",)),
    "smtplib.SMTP": (0, ("host",)),
    "smtplib.SMTP_SSL": (0, ("host",)),
    "ldap3.Server": (0, ("host",)),
}
_SINKS_BY_NAME: dict[str, list[tuple[str, tuple[int, tuple[str, ...]]]]] = {}
for _suffix, _spec in _SINKS.items():
    _SINKS_BY_NAME.setdefault(_suffix.rsplit(".", 1)[-1], []).append((_suffix, _spec))
_SERVICE_SCHEMES = re.compile(
    r"^(postgres(ql)?|mysql|mariadb|mssql|oracle|cockroachdb|mongodb(\+srv)?|redis|rediss|valkey|amqps?|kafka|memcached|nats|"
    r"cassandra|clickhouse|ldaps?|smtps?|neo4j|bolt)(\+\w+)?$",
    re.I,
)
_SETTING_WORDS = frozenset({"url", "uri", "dsn", "host", "hosts", "server", "servers", "endpoint", "location", "broker", "backend", "address", "addr"})
_SERVICE_WORDS = frozenset({"db", "database", "redis", "cache", "broker", "mongo", "mongodb", "postgres", "pg", "mysql",
                            "elastic", "elasticsearch", "kafka", "rabbit", "rabbitmq", "amqp", "memcached", "queue"})
_HOST_WORDS = frozenset({"host", "hosts", "server", "servers", "address", "addr", "endpoint"})
# Settings named like these hold links people follow, not services the code connects to.
_LINK_WORDS = frozenset({"allowed", "trusted", "cors", "redirect", "callback", "dashboard", "frontend", "public", "site", "web", "ui", "link", "homepage", "docs"})


_URL_SINKS = frozenset({"create_engine", "create_async_engine", "from_url", "Database", "URLParameters"})


_ENVIRONMENT_SETTINGS = re.compile(r"(^|/)(docker|compose|ci|test|tests|testing)(_settings)?\.py$|(^|/)settings_(docker|ci|test|testing)\.py$")


def _host_of(value: str) -> tuple[str, str] | None:
    """(what, host) for a service address written as a URL or a bare host, else None."""
    v = value.strip()
    if "://" in v:
        try:
            parts = urlsplit(v)
        except ValueError:
            return None
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        if scheme.startswith("sqlite") or not host or re.search(r"[{}%$<]", v.split("//", 1)[1].split("/", 1)[0]):
            return None  # no host, or a template for one (`redis://{host}:6379`)
        if "." not in host and parts.netloc.rsplit("@", 1)[-1].split(":", 1)[0].isupper():
            return None  # `https://TBD`, `http://HOST`: a placeholder (host names are written in lower case)
        if _SERVICE_SCHEMES.match(scheme):
            return f"`{scheme}://` address", host
        if scheme in ("http", "https") and internal_host(host):
            return "internal service URL", host
        return None
    host, _, port = v.partition(":")
    if port and not port.isdigit():
        return None  # `app:view_name`, a Django URL name
    if is_ip(host) or (re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*", host) and not host.replace(".", "").isdigit()):
        return "host", host  # hostnames are written in lower case; `a.b.SomeClass` is a Python path
    return None


def _loopback(host: str) -> bool:
    """Loopback and wildcard addresses, and single-label names (`redis`, `db`, `api`: a compose
    or cluster service that each deployment's own DNS resolves), and the containers of a
    developers' stack (`edx.devstack.redis`): the same in every environment, or in none that
    deploys, so not configuration."""
    if host in LOCAL_HOSTS or ("." not in host and ":" not in host and not host.isdigit()):
        return True
    if not is_ip(host) and set(host.split(".")) & _DEVELOPMENT_LABELS:
        return True  # `edx.devstack.redis`: a container of the developers' stack, named by its compose file
    return is_ip(host) and (ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified)


_DEVELOPMENT_LABELS = frozenset({"devstack", "localstack", "devcontainer", "docker"})
"""Labels that name a developer's local stack (Open edX's `edx.devstack.mysql`, a `*.docker` service)."""


_DOCUMENTATION_NETWORKS = tuple(ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))
_RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost"})
_EXAMPLE_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
_WELL_KNOWN_HOSTS = frozenset({"kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
                               "metadata.google.internal"})


def _same_everywhere(host: str) -> bool:
    """Addresses no deployment configures: the cloud metadata service (link-local
    `169.254.169.254`, `metadata.google.internal`), the Kubernetes API server's in-cluster name,
    and the names and networks reserved for documentation and examples (`ldap.example.com`,
    `192.0.2.10`, RFC 2606 and 5737): a setting holding one is a blocklist entry, a universal
    default or a sample, not an environment's service."""
    if is_ip(host):
        ip = ipaddress.ip_address(host)
        return ip.is_link_local or any(ip in net for net in _DOCUMENTATION_NETWORKS if net.version == ip.version)
    labels = host.split(".")
    return host in _WELL_KNOWN_HOSTS or labels[-1] in _RESERVED_TLDS or ".".join(labels[-2:]) in _EXAMPLE_DOMAINS


class HardcodedServiceAddress(Rule):
    """A database, cache, queue or internal service address is written into the code.

    An address in the code ties the build to one environment: staging talks to production's
    database, tests need the real broker, and moving a server means a release. The rule flags
    literal addresses (connection URLs for PostgreSQL, MySQL, MongoDB, Redis, AMQP, Kafka...,
    hosts, and http URLs of internal hosts or private IPs) passed to engines and clients
    (`create_engine`, `psycopg2.connect`, `redis.Redis`, `MongoClient`, `Celery`, boto3's
    `endpoint_url`...), directly or through a module constant, and assigned to settings named
    like addresses (`DATABASE_URL`, `REDIS_HOST`, `BROKER_URL`, a Django `DATABASES` entry's
    `HOST`).

    Left alone: local defaults inside environment lookups (`os.getenv("REDIS_URL",
    "redis://localhost:6379")`; `host.docker.internal`, the machine a container runs on, is local too),
    addresses no deployment configures (the cloud metadata service `169.254.169.254`, the
    Kubernetes API's `kubernetes.default.svc`, reserved example names and networks such as
    `ldap.example.com` and `192.0.2.10`), service names without a dot (`redis://redis:6379`,
    `http://api:8000`: a compose or cluster service that every deployment resolves itself; a container of
    the developers' stack, `edx.devstack.redis`), SQLite files, public https APIs, placeholders written in capitals
    (`https://TBD`), a setting's own name spelled as a key (`ELASTICSEARCH_SERVER = "elasticsearch.server"`, the
    name under which the address is looked up), migrations (data written once), settings modules named for one environment
    (`settings/docker.py`, `settings/local.py`, `settings/devstack.py`, `settings/ci.py`: that environment's
    configuration) and test code. Credentials
    inside such addresses are BL301's; this rule never prints them."""

    ID = "BL302"
    LEVEL = Level.NOTE
    CONFIDENCE = Confidence.MEDIUM
    TAGS = ("configuration", "twelve-factor")
    TESTS = False
    MIGRATIONS = False
    MESSAGE = "Hardcoded {what} `{host}` {where}; read it from configuration"
    FIX = """Read addresses from the environment (or a settings object that does):

```python
engine = create_engine(os.environ["DATABASE_URL"])
cache = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
```"""
    REFERENCES = ("https://12factor.net/config",)
    PREFILTER = ("://", "host", "HOST", "Redis", "connect", "Client", "create_engine", "Celery", "endpoint_url", "DATABASES")

    INVALID = [
        Invalid(
            """
            from sqlalchemy import create_engine
            engine = create_engine("postgresql://app@db-primary.prod.internal:5432/shop")
            """,
            line=2,
            note="A database URL passed to the engine.",
        ),
        Invalid(
            """
            import redis
            cache = redis.Redis(host="10.0.3.17", port=6379)
            """,
            line=2,
            note="A private IP for the cache.",
        ),
        Invalid(
            """
            from celery import Celery

            BROKER = "amqp://rabbitmq.internal:5672//"
            app = Celery("tasks", broker=BROKER)
            """,
            line=3,
            note="Through a module constant.",
        ),
        Invalid(
            """
            DATABASES = {
                "default": {
                    "ENGINE": "django.db.backends.postgresql",
                    "NAME": "shop",
                    "HOST": "pg.cluster.svc",
                }
            }
            """,
            line=5,
            path="shop/settings.py",
            note="A Django database host.",
        ),
        Invalid(
            """
            import os
            REDIS_URL = os.environ.get("REDIS_URL", "redis://cache.prod.acme.net:6379/0")
            """,
            line=2,
            note="A production address as the fallback of an environment lookup.",
        ),
        Invalid(
            """
            import httpx
            inventory = httpx.Client(base_url="http://inventory.svc.cluster.local:8080")
            """,
            line=2,
            note="An internal service's URL.",
        ),
    ]
    VALID = [
        Valid(
            """
            CACHES = {
                "default": {
                    "BACKEND": "django_redis.cache.RedisCache",
                    "LOCATION": "redis://redis:6379/1",
                }
            }
            """,
            path="tabbycat/settings/docker.py",
            note="The settings module for the project's Docker setup: naming the compose service there is configuring that environment.",
        ),
        Valid(
            """
            import httpx

            MODEL_URL = "https://TBD"

            def register(model):
                return httpx.Client(base_url="http://HOST:8080").post("/models", json=model)
            """,
            note="Placeholders in capitals (host names are written in lower case): there is no address to move into configuration yet.",
        ),
        Valid(
            """
            import os
            from sqlalchemy import create_engine
            engine = create_engine(os.environ["DATABASE_URL"])
            """,
            note="From the environment.",
        ),
        Valid(
            """
            import os
            REDIS_URL = os.getenv("REDIS_URL", "redis://localhost:6379/0")
            """,
            note="A local default inside an environment lookup.",
        ),
        Valid(
            """
            from sqlalchemy import create_engine
            engine = create_engine("sqlite:///app.db")
            """,
            note="A SQLite file is not a service.",
        ),
        Valid(
            """
            import httpx
            github = httpx.Client(base_url="https://api.github.com")
            STRIPE_API_URL = "https://api.stripe.com/v1"
            """,
            note="Public APIs are part of the code's contract, not its environment.",
        ),
        Valid(
            """
            from settings import settings
            import redis
            cache = redis.Redis(host=settings.redis_host, port=settings.redis_port)
            """,
            note="From a settings object.",
        ),
        Valid(
            """
            def connect(engine):
                return engine.connect()

            HOST_HEADER = "X-Forwarded-Host"
            """,
            note="Connections without addresses; names that are not settings.",
        ),
        Valid(
            """
            import redis

            cache = redis.Redis.from_url("redis://redis:6379/0")
            """,
            path="setup/server.py",
            note="`redis` is a service name (no dot) that the deployment's own DNS resolves, as a compose file defines it.",
        ),
        Valid(
            """
            EVENT_BUS_REDIS_CONNECTION_URL = "redis://:password@edx.devstack.redis:6379/"
            """,
            path="credentials/settings/base.py",
            note="A container of the developers' stack (`devstack`): no deployment resolves it; each sets its own.",
        ),
        Valid(
            """
            import os

            CLOUD_METADATA_HOST = "169.254.169.254"
            KUBERNETES_API = os.getenv("KUBERNETES_API", "https://kubernetes.default.svc")
            LDAP_SERVER = "ldaps://ldap.example.com:636"
            """,
            path="app/settings.py",
            note="The same in every deployment: the cloud metadata address (an SSRF blocklist entry), the Kubernetes API's in-cluster name, and a reserved example domain in a sample setting.",
        ),
    ]

    @classmethod
    def wants(cls, path: str, options: Mapping[str, Any]) -> bool:
        # A settings module named for one environment (`settings/docker.py`, `settings/local.py`,
        # `settings/ci.py`) is that environment's configuration: its addresses are the point.
        return super().wants(path, options) and not (project.is_settings_path(path) and (
            project.is_dev_path(path) or _ENVIRONMENT_SETTINGS.search(path) is not None))

    def __init__(self, ctx: Any, options: Mapping[str, Any]) -> None:
        super().__init__(ctx, options)
        self._done: set[int] = set()

    def _flag(self, literal: cst.BaseExpression, where: str) -> None:
        if id(literal) in self._done:
            return
        text = string_value(literal)
        if text is None:
            return
        found = _host_of(text)
        if found is None:
            return
        what, host = found
        if _loopback(host) or _same_everywhere(host) or len(host) < 3 or routes.in_api_example(self.ctx):
            return
        self._done.add(id(literal))
        redact = [literal] if secrets.url_credentials(text) is not None else []
        self.report(literal, what=what, host=host, where=where, redact=redact)

    def _candidates(self, expr: cst.BaseExpression, in_env_default: bool = False) -> list[tuple[cst.BaseExpression, bool]]:
        """Literal values an argument may take: itself, a constant it names, an env default."""
        if string_value(expr) is not None:
            return [(expr, in_env_default)]
        if isinstance(expr, cst.Call) and _is_env_lookup(self.ctx, expr):
            default = argument(expr, 1, "default")
            return [(default, True)] if default is not None and string_value(default) is not None else []
        if isinstance(expr, cst.BooleanOperation) and isinstance(expr.operator, cst.Or):
            return self._candidates(expr.right, True)
        if isinstance(expr, (cst.Name, cst.Attribute)):
            out = []
            for value, _ in assigned_values(Env.here(self.ctx), expr):
                if value is not expr and isinstance(value, cst.BaseExpression):
                    out.extend(self._candidates(value, in_env_default))
            return out
        return []

    def visit_Module(self, node: cst.Module) -> None:
        # Scripts run by hand, template settings files copied into the real (ignored) ones, and a
        # development environment's settings (`settings/devstack.py` switching DEBUG on over production's).
        self._script = self.ctx.is_standalone_script() or project.is_template_path(self.ctx.path) \
            or project.is_development_settings(self.ctx.path, self.ctx.text)

    def visit_Call(self, node: cst.Call) -> None:
        if self._script or any(a.keyword is not None and a.keyword.value in ("app", "transport") for a in node.args):
            return  # a script run by hand, or an in-process test client
        last = call_name(node) or ""
        candidates = _SINKS_BY_NAME.get(last)
        if not candidates:
            return
        name = qualified_name(self.ctx, node)
        spec = next((c for suffix, c in candidates if name == suffix or name.endswith("." + suffix) or last == suffix), None)
        if spec is None:
            return
        index, keywords = spec
        exprs = []
        if index >= 0:
            positional = [a.value for a in node.args if a.keyword is None and not a.star]
            if len(positional) > index:
                exprs.append(positional[index])
        for kw in keywords:
            arg = keyword_arg(node, kw)
            if arg is not None:
                exprs.append(arg.value)
        url_only = last in _URL_SINKS
        for expr in exprs:
            for literal, in_default in self._candidates(expr):
                if url_only and "://" not in (string_value(literal) or ""):
                    continue  # these take a URL: a bare word is something else (a project helper's own argument)
                self._flag(literal, f"passed to `{name.rsplit('.', 1)[-1]}()`")

    def _in_settings_scope(self) -> bool:
        """Module level or a class body (settings modules and settings classes), not a function."""
        return self.ctx.function() is None and not self._script

    def _defaults_class(self) -> bool:
        """Inside a pydantic BaseSettings class: its values are defaults the environment overrides."""
        cls = self.ctx.enclosing_class()
        return cls is not None and any((dotted(b.value) or "").endswith("BaseSettings") for b in cls.bases)

    def _setting(self, name: str, value: cst.BaseExpression | None, service: bool = False) -> None:
        """A setting named like an address. Bare hosts count when internal, or when the setting
        is clearly a data service's (`DB_HOST`, a Django `DATABASES` entry); `EMAIL_HOST =
        "smtp.example.com"` names a provider, not an environment."""
        words = name_parts(name)
        if value is None or not words or words[-1] not in _SETTING_WORDS or not self._in_settings_scope():
            return
        if any(w in _LINK_WORDS for w in words):
            return  # `DASHBOARD_URL`, `OAUTH_REDIRECT_URI`: links people follow
        service = service or any(w in _SERVICE_WORDS for w in words)
        defaults = self._defaults_class()
        for literal, in_default in self._candidates(value):
            text = string_value(literal) or ""
            found = _host_of(text)
            if found is not None and (in_default or defaults) and "." not in found[1] and not is_ip(found[1]):
                continue  # a default naming a local or compose service (`redis`, `db`)
            if found is not None and found[0] == "host" and re.split(r"[.-]", found[1]) == words:
                continue  # `ELASTICSEARCH_SERVER = "elasticsearch.server"`: the name of a settings key, spelled out
            if found is not None and found[0] == "host":
                # A bare host only where a host goes (`DB_HOST`, `SERVER`), not in `*_URL` or
                # `BACKEND`; a one-word host (`db`, `x`) only in a data service's setting.
                host = found[1]
                if words[-1] not in _HOST_WORDS or not (service or ("." in host and internal_host(host))):
                    continue
            self._flag(literal, f"in `{name}`")

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            t = target.target
            if isinstance(t, (cst.Name, cst.Attribute)):
                self._setting(t.value if isinstance(t, cst.Name) else t.attr.value, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name):
            self._setting(node.target.value, node.value)

    def visit_Dict(self, node: cst.Dict) -> None:
        keys = {string_value(e.key) for e in node.elements if isinstance(e, cst.DictElement)}
        service = bool(keys & {"ENGINE", "BACKEND"})  # Django DATABASES / CACHES entries
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = string_value(element.key)
                if key is not None:
                    self._setting(key, element.value, service)


def _is_env_lookup(ctx: Any, call: cst.Call) -> bool:
    name = qualified_name(ctx, call)
    return name in ("os.getenv", "os.environ.get", "os.environ.setdefault") or name.endswith(("environ.get", ".getenv")) or name in ("getenv", "config", "env", "env.str", "decouple.config")
