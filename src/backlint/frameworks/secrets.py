"""What a secret looks like: names that hold credentials, values that are real, and the shapes
of well-known tokens, private keys and credentials inside connection URLs.

Name test: the *last* word of an identifier decides (`db_password` yes, `password_reset_timeout`
no, `token_type` no), with compounds for keys (`secret_key`, `api_key`, `signing_key`).

Value test: not empty, not a placeholder (`changeme`, `xxx`, `<password>`, `${DB_PASS}`,
`your-api-key-here`), not the name itself (`refresh_token = "refresh_token"`), not vocabulary
(`Bearer`, `access`, `HS256`), not an environment variable's name (`DB_PASSWORD`), not a URL,
path, format template or sentence.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from urllib.parse import unquote

from backlint.syntax import name_parts

_SECRET_LAST_WORDS = {
    "password": "password", "passwd": "password", "pwd": "password", "passphrase": "passphrase",
    "passcode": "passcode", "secret": "secret", "token": "token", "apikey": "API key",
    "credential": "credential", "credentials": "credentials", "privatekey": "private key",
    "secretkey": "secret key", "accesskey": "access key", "pat": "access token",
}
_KEY_QUALIFIERS = {
    "secret": "secret key", "private": "private key", "api": "API key", "access": "access key",
    "signing": "signing key", "sign": "signing key", "encryption": "encryption key", "encrypt": "encryption key",
    "auth": "auth key", "master": "master key", "client": "client key", "app": "app key", "jwt": "JWT key",
    "fernet": "Fernet key", "hmac": "HMAC key", "aes": "AES key", "crypto": "encryption key",
    "license": "license key", "stripe": "Stripe key", "sendgrid": "SendGrid key", "mailgun": "Mailgun key",
    "twilio": "Twilio key", "openai": "OpenAI key", "service": "service key", "account": "account key",
    "consumer": "consumer key", "webhook": "webhook key", "shared": "shared key",
    "django": "secret key", "flask": "secret key", "storage": "storage key",
    "subscription": "subscription key", "recaptcha": "reCAPTCHA key", "maps": "API key", "google": "API key",
    "aws": "AWS key", "rsa": "private key", "ssh": "private key", "pgp": "private key", "gpg": "private key",
}
_NOT_SECRET_LAST = frozenset(
    {
        "type", "types", "url", "uri", "urls", "field", "fields", "template", "templates", "header", "headers",
        "name", "names", "path", "paths", "file", "filename", "files", "dir", "directory", "prefix", "suffix",
        "length", "len", "min", "max", "size", "env", "var", "variable", "format", "fmt",
        "param", "params", "parameter", "label", "text", "message", "msg", "error", "errors",
        "expiry", "expires", "expire", "expiration", "timeout", "ttl", "lifetime", "age", "endpoint", "route",
        "method", "scope", "scopes", "hash", "hashed", "hasher", "hashers", "validator", "validators", "policy",
        "rule", "rules", "reset", "changed", "required", "enabled", "input", "form", "hint", "help", "column",
        "attr", "attribute", "kind", "mode", "count", "attempts", "retries", "minutes", "seconds", "hours", "days",
        "sent", "used", "location", "storage", "backend", "backends", "class", "cls", "module", "handler",
        "factory", "generator", "provider", "service", "manager", "store", "cache", "algorithm", "alg",
        "algorithms", "version", "encoding", "charset", "question", "strength", "complexity", "confirm",
        "confirmation", "id", "ids", "key_id", "index", "idx", "flag", "enabled", "disabled", "display", "title",
        "description", "desc", "label", "widget", "view", "serializer", "schema", "model", "table", "list",
        "len", "bytes", "bits", "lookup", "mapping", "map", "cls", "exists", "valid", "invalid", "is", "set",
        "setting", "settings", "option", "options", "config", "generated", "length", "policy", "prompt", "link",
        "level", "status", "state", "source", "sources", "location", "host", "port", "user", "username",
        "login", "email", "domain", "realm", "issuer", "audience", "subject", "algorithm", "callback", "redirect",
        "uri", "id", "client", "sign", "salt", "iterations", "rounds", "cost", "digest", "pepper_name",
    }
)
_PLACEHOLDER_WORDS = frozenset(
    {
        "change", "me", "changeme", "changethis", "changeit", "replace", "replaceme", "your", "yours", "my", "the",
        "a", "an", "here", "put", "insert", "enter", "add", "set", "secret", "password", "passwd", "pwd", "pw", "pass",
        "token", "key", "api", "apikey", "value", "dummy", "fake", "sample", "example", "examples", "test",
        "testing", "tests", "placeholder", "redacted", "none", "null", "nil", "undefined", "default", "todo",
        "fixme", "xxx", "foo", "bar", "baz", "qux", "dev", "development", "local", "localhost", "debug", "demo",
        "anonymous",  # the public login of anonymous FTP and open-data feeds
        "unset", "empty", "na", "tbd", "string", "str", "mock", "stub", "notasecret", "not", "real", "this",
        "that", "goes", "in", "to", "be", "of", "for", "with", "secretkey", "secret_key", "mysecret",
        "mypassword", "yourpassword", "yoursecret", "yourkey", "yourtoken", "supersecret", "generate", "generated",
        "random", "some", "any", "it", "is", "one", "abc", "abcd", "ignore",
        "ignored", "unused", "invalid", "wrong", "bad", "missing", "required", "override", "overridden", "env",
        "really", "needs", "need", "must", "should", "please", "changed", "replaced", "update", "updated",  # an instruction
        "environment", "variable", "config", "configure", "configured", "settings", "insecure", "unsafe",
        "only", "do", "use", "never", "production", "prod", "staging", "stage",
        "fill", "fillme", "fillmein", "setme", "auto", "needed", "no", "please",
        "mysecretpassword",  # the postgres container image's documented example password
        "qwerty", "asdf",  # keyboard walks: a stand-in typed to be replaced
        "infected",  # the password every malware-sample archive uses, so that no one opens one by accident
    }
)
_VOCABULARY = frozenset(
    {
        "bearer", "basic", "token", "jwt", "access", "refresh", "id", "idtoken", "accesstoken", "refreshtoken",
        "authorization", "auth", "oauth", "oauth2", "password", "clientcredentials", "authorizationcode",
        "implicit", "code", "hmac", "sha1", "sha256", "sha512", "hs256", "hs384", "hs512", "rs256", "rs512",
        "es256", "eddsa", "none", "session", "cookie", "csrf", "xsrf", "header", "query", "body", "form",
        "secret", "key", "apikey", "api", "x", "new", "old", "current", "confirm", "reset", "forgot", "change",
        "login", "logout", "user", "username", "email", "text", "hidden", "str", "string", "required",
        "optional", "token_type", "type", "grant", "granttype", "credentials", "client", "public", "private",
        "pbkdf2", "bcrypt", "argon2", "argon2id", "scrypt", "md5", "plain", "plaintext", "digest", "salt",
    }
)
_SWITCH_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null", "enabled", "disabled", "enable", "disable"})
_TEMPLATE_MARKERS = re.compile(r"\{[\w.\[\]]*\}|%\(?\w*\)?[sd]|\$\{|\{\{|<\w[\w-]*>|%[sd]")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_PATHISH = re.compile(r"^(?:[a-z][a-z0-9+.-]*://[^@\s]*|/[\w./{}<>:-]*|\.{1,2}/[\w./-]*|~/[\w./-]*|[\w.-]+/[\w./-]+)$", re.I)

# Well-known token shapes: (regex, what).
TOKEN_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b"), "AWS access key ID"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b"), "GitHub token"),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b"), "GitHub token"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b"), "GitLab token"),
    (re.compile(r"\bxox[baprse]-[0-9A-Za-z-]{10,}\b"), "Slack token"),
    (re.compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}"), "Slack webhook URL"),
    (re.compile(r"\b(?:sk|rk)_live_[0-9A-Za-z]{20,}\b"), "Stripe live key"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), "Google API key"),
    (re.compile(r"\bSG\.[0-9A-Za-z_-]{22}\.[0-9A-Za-z_-]{43}\b"), "SendGrid API key"),
    (re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}\b"), "OpenAI API key"),
    (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), "npm token"),
    (re.compile(r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}\b"), "PyPI token"),
    (re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"), "private key"),
)
_EXAMPLE_TOKEN = re.compile(r"EXAMPLE|example|xxxx|XXXX|0000000000|1234567890|abcdef|ABCDEF123", re.I)

_URL_CREDENTIALS = re.compile(
    r"\b(?P<scheme>[a-z][a-z0-9+.-]{1,30})://(?P<user>[^:/?#@\s'\"]*):(?P<password>[^@/?#\s'\"]+)@(?P<host>[^/?#\s'\":]*)",
    re.I,
)
# `PWD=...;` in ODBC strings, `password=...` in libpq conninfo: key=value with no spaces, among
# other key=value pairs (so `SET password = ?` in SQL does not count).
_KV_PASSWORD = re.compile(r"(?:^|[;\s])(?:pwd|password|passwd)=(?P<password>[^;\s'\"]+)", re.I)
_KV_PAIR = re.compile(r"(?:^|[;\s])[A-Za-z_ ]+=[^;\s]+")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_LOCAL_HOSTS = LOOPBACK_HOSTS | {"0.0.0.0", "db", "postgres", "mysql", "redis", "database", "host"}
FACTORY_DEFAULTS = frozenset({"alpine", "raspberry", "toor", "calvin", "ubnt", "minioadmin"})
"""Passwords devices and systems ship with, printed in their manuals: iOS jailbreaks' root
(`alpine`), Raspberry Pi OS (`raspberry`), Kali (`toor`), Dell iDRAC (`calvin`), Ubiquiti (`ubnt`),
MinIO's root account (`minioadmin`, its user name too). Code that logs into such a device knows
nothing secret."""
_BROKER_WORDS = frozenset({"amqp", "rabbit", "rabbitmq", "mq", "broker"})
_DEFAULT_PASSWORDS = frozenset({"postgres", "root", "admin", "guest", "redis", "mysql", "password", "pass", "secret", "test", "example", "user"})


_PASSWORD_ACTIONS = frozenset({"reset", "change", "forgot", "forgotten", "recover", "update", "set", "manage"})


_PATTERN_WORDS = frozenset({"regex", "regexp", "re", "pattern", "patterns", "placeholder"})


@functools.lru_cache(maxsize=4096)
def secret_name(name: str) -> str | None:
    """What kind of secret an identifier names ("password", "API key"...), or None."""
    if re.search(r"\s", name.strip()):
        return None  # `"Change password"`: a phrase (a label, a message key), not a name
    words = [w for w in name_parts(name) if not w.isdigit()]
    if not words or set(words) & _PATTERN_WORDS:
        return None  # `REGEX_URL_USER_PASS`, `PLACEHOLDER_SECRET_KEY`: a pattern or a placeholder, by its name
    if set(words) & {"public", "publishable"}:
        return None  # `INNERTUBE_PUBLIC_API_KEY`, `STRIPE_PUBLISHABLE_KEY`: public by design, by its name
    last = words[-1]
    if last in _NOT_SECRET_LAST:
        return None
    if last == "token" and set(words) & {"csrf", "xsrf"}:
        return None  # `_csrf_token`: an anti-forgery nonce sent back with a form, not a credential (its signing key is)
    if last in ("password", "passwd", "pwd") and len(words) > 1 and words[0] in _PASSWORD_ACTIONS:
        return None  # `reset_password`, `change_password`: an action (a form, a URL, a rate limit)
    if last in _SECRET_LAST_WORDS:
        if last == "secret" and len(words) > 1 and words[-2] in ("show", "has", "is", "no", "with", "without", "use"):
            return None
        return _SECRET_LAST_WORDS[last]
    if last == "pass" and len(words) > 1 and words[-2] not in ("by", "no", "skip", "first", "second", "last", "single"):
        return "password"
    if last == "key" and len(words) > 1:
        return _KEY_QUALIFIERS.get(words[-2])
    if last in ("keys",) and len(words) > 1 and words[-2] in ("secret", "private", "api", "access", "signing"):
        return _KEY_QUALIFIERS.get(words[-2])
    return None


def _words(value: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", value.lower()) if w]


def _spelled(word: str, vocabulary: frozenset[str] | set[str], digits: bool = False) -> bool:
    """Whether `word` is written as words of `vocabulary` run together (`mysecretpassword`), with
    `digits`, also counting runs (`polar123456789`). Words of one letter do not count."""
    reachable = [True] + [False] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(end - 1, -1, -1):
            if not reachable[start]:
                continue
            piece = word[start:end]
            if (len(piece) > 1 and piece in vocabulary) or (digits and piece.isdigit() and piece in _COUNTING):
                reachable[end] = True
                break
    return reachable[-1]


_COUNTING = "0123456789012"


def spelled_from(value: str, names: frozenset[str]) -> bool:
    """Whether a secret is spelled from the names set beside it, placeholder words and counting
    digits: `polarpolar` for the user `polar`, `evap-secret` for the client `evap`,
    `polar123456789`. Such values are local defaults, not secrets."""
    vocabulary = {w for n in names for w in [n.lower(), *_words(n)] if len(w) >= 3}
    if not vocabulary:
        return False
    words = _words(value)
    used = [w for w in words if any(n in w for n in vocabulary)]
    vocabulary |= _PLACEHOLDER_WORDS
    return bool(words) and bool(used) and all(_spelled(w, vocabulary, digits=True) for w in words)


def entropy(value: str) -> float:
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


_LEET = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "!": "", "0": "o", "5": "s", "$": "s", "7": "t", "_": "", "-": "", " ": ""})


# Prefixes of provider tokens (Slack, Stripe, OpenAI, GitHub, GitLab, npm, PyPI), test and live
# variants included: after one, a real token has its random part.
_PROVIDER_PREFIX = re.compile(r"^(?:xox[abposr]|sk|pk|rk|ghp|gho|ghu|ghs|ghr|glpat|npm|pypi)[-_](?:(?:test|live)[-_])?", re.I)


_HEX_FILLER = frozenset({"dead", "beef", "cafe", "babe", "feed", "face", "f00d", "c0ffee", "deadbeef", "cafebabe"})


def is_placeholder(value: str) -> bool:
    v = value.strip()
    if not v:
        return True
    if re.fullmatch(r"%\w+%|[x*.#?_\-<>\u2022\u25cf\u00b7]+|(?:not|no)[-_][a-z]+|\$\{[^}]*\}(?::-[^}]*)?|\{\{[^}]*\}\}|<[^>]*>|\[[^\]]*\]|%\(\w+\)s|\{\w*\}|\$\w+|[x*]{3,}.*", v, re.I):
        return True
    if v.isascii() and v.isdigit() and all((int(b) - int(a)) % 10 == 1 for a, b in zip(v, v[1:])):
        return True  # `"1234"`, `"0123456789012345..."`: counting, a filler
    if len(set(v)) == 1:
        return True  # `"0000000000"`, `"aaaaaaaa"`: one character repeated (an anonymous key, a filler)
    words = _words(v)
    if words and all(w in _PLACEHOLDER_WORDS for w in words):
        return True
    if words and all(_spelled(w, _HEX_FILLER) for w in words):
        return True  # `deadbeef-dead-beef-...`, `cafebabe`: the classic hex fillers
    prefixed = _PROVIDER_PREFIX.match(v)
    if prefixed and len(v) <= 12 and v[-1] in "-_":
        return True  # `sk-proj-`, `sk-ant-`, `xoxb-`: the prefix alone, the key left to fill in
    if prefixed and v[prefixed.end():] and all(
        w in _PLACEHOLDER_WORDS or w == "valid" or (w.isdigit() and w in _COUNTING) for w in _words(v[prefixed.end():])
    ):
        return True  # `xoxb-valid`, `sk_test_dummy`, `xoxp-1234`: a provider's prefix on a stand-in word or count
    lowered = v.lower()
    unleet = lowered.translate(_LEET)
    if any(marker in unleet for marker in ("changeme", "changethis", "changeit", "replaceme", "yoursecret", "yourpassword")):
        return True
    return any(marker in lowered for marker in ("changeme", "change_me", "change-me", "change this", "replace_me",
                                                "replace-me", "placeholder", "redacted", "your_", "your-", "your ",
                                                "<your", "xxxxx", "dummy", "example", "not-a-secret", "notasecret",
                                                "fake"))


_PASSWORD_HASH = re.compile(r"^(\$(2[abxy]?|argon2(id|i|d)?|scrypt|pbkdf2(-sha\d+)?|[156])\$|(pbkdf2_sha\d+|bcrypt(_sha256)?|argon2|scrypt)\$)")


def looks_real(value: str, name: str | None = None, *, key_argument: bool = False) -> bool:
    """Whether a literal bound to a secret-like name is a real secret (see the module docstring).

    `key_argument` is for literals passed where only a key can go (`jwt.encode(payload, "k")`):
    there, vocabulary and sentences are secrets too; only placeholders are not.
    """
    v = value.strip()
    if len(v) < 4 and not key_argument or not v or is_placeholder(v):
        return False
    if _PASSWORD_HASH.match(v) or (name and "password" in name.lower() and re.fullmatch(r"[0-9a-f]{32,128}", v)):
        return False  # a stored password hash (a seed or migration writes it): not usable to log in
    if key_argument:
        return not _TEMPLATE_MARKERS.search(v) and not _ENV_NAME.match(v)
    if not any(ch.isalnum() for ch in v):
        return False  # `"<!--#"`, `"${"`: a template's delimiter (`directiveStartToken`), punctuation only
    if re.search(r"\s", v) or not v.isprintable():
        return False  # prose, or a marker of control characters (`"\x91/sf\x91"`) no one types as a secret
    if any(ch.isalpha() and not ch.isascii() for ch in v):
        return False  # `'sys_user.password': '用户密码'`: words of a language, a label or a description
    if v.lower() in FACTORY_DEFAULTS:
        return False  # a device's published factory password (`password="alpine"`, a jailbroken iPhone's root)
    if name and v.lower() == "guest" and set(name_parts(name)) & _BROKER_WORDS:
        return False  # `amqp_password = "guest"`: RabbitMQ's built-in account, which answers only on its own machine
    if v.lower() in _SWITCH_WORDS or v.endswith(("...", "\u2026")):
        return False  # an on/off value (`"Allow-Credentials": "true"`), or a value cut short for show
    if _TEMPLATE_MARKERS.search(v) or _ENV_NAME.match(v):
        return False
    if re.fullmatch(r"[A-Z]{2,10}", v):
        return False  # a marker such as "LDAP" or "SSO", not a password
    if _PATHISH.match(v) and not _URL_CREDENTIALS.search(v) and not _random_looking(v):
        return False
    words = _words(v)
    name_words = set(name_parts(name)) if name else set()
    if words and all(w in name_words or w in _VOCABULARY or _spelled(w, name_words | _VOCABULARY) for w in words):
        return False  # `AUTH_KEY = "authkey"`: the name again, or protocol vocabulary
    if re.fullmatch(r"X-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+", v):
        return False  # `HEADER_TOKEN = "X-Supervisor-Token"`: the name of a header that carries it
    if name and secret_name(name) in _ISSUED and LOWER_WORDS.fullmatch(v) and (len(words) == 1 or name_words & set(words)):
        return False  # `URL_PAT = "projects"`, `API_KEY = "acme-api-key"`: a word or a label; issued keys are random
    if name and secret_name(name) in _ISSUED and _CAMEL_IDENTIFIER.fullmatch(v):
        return False  # `token == "scopeL"`, `last_token = "bracketR"`: a lexer's token kind, an identifier; issued keys are random
    if (re.fullmatch(r"[a-z]+(?:[_.][a-z]+)+", v) or re.fullmatch(r"[a-z]+(?:[-_][a-z]+)*(?:\.[a-z]+(?:[-_][a-z]+)*)+", v)) \
            and not re.search(r"\d", v):
        return False  # a dotted or snake_case identifier (`signup.weak-custom-password`, a message id): a name, not a value
    if re.fullmatch(r"[a-z]+(?:[_.-][a-z]+)*(?::[a-z]+(?:[_.-][a-z]+)*){2,}", v):
        return False  # `"sumo:wiki:full-rebuild"`: a namespaced cache or queue key, words and colons
    if re.fullmatch(r"[a-z]+(?:[_.-][a-z]+)*(?::[a-z]+(?:[_.-][a-z]+)*)*:", v):
        return False  # `KEY_CLONEDSITE_TOKEN = "cloned_site:"`: the prefix of a store's keys, words and a colon
    if re.fullmatch(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*:[a-z]+(?:_[a-z]+)*", v):
        return False  # `"OS-OAUTH1:access_token"`: a namespaced resource type or scope, prefix and snake_case word
    if re.fullmatch(r"__[A-Za-z0-9_]+__", v):
        return False  # `"__pending_bot_token__"`: a sentinel marking a value not yet given
    if _REGEX_SYNTAX.search(v):
        return False  # `r":\/\/[a-zA-Z0-9_-]+:[\S]+@"`: a pattern that finds credentials
    if _dotted_path(v):
        return False  # `"accounts.serializers.TokenSerializer"`: a class to load, named in settings
    if re.fullmatch(r"0x[0-9a-fA-F]{40}", v):
        return False  # a blockchain account or contract address (a token's, `standard_token="0x2770..."`): public; keys are 64 hex digits
    if _PUBLISHABLE.match(v):
        return False  # a publishable key (PostHog `phc_`, Stripe `pk_live_`, Mapbox `pk.`, a reCAPTCHA site key): public by design
    return True


# A character class with a quantifier, a class escape, a group extension, a counted `.{5,32}`, a
# pattern anchored at both ends (`(^.{5,32}$)`): regular expressions.
_REGEX_SYNTAX = re.compile(r"\[[^\]]+\][+*?{]|\\[dDsSwWbB]|\(\?[:P<=!]|\.\{\d+,\d*\}|^\(*\^.*\$\)*$")
_PUBLISHABLE = re.compile(r"^(?:phc_|pk_(?:live|test)_|pk\.eyJ|6L[\w-]{38}$)")
"""Publishable keys: PostHog, Stripe, Mapbox, and reCAPTCHA site keys (`6L` and 38 more), which
every page that shows the captcha sends to the browser."""
_ISSUED = frozenset({"token", "API key", "access token", "access key", "app key", "client key", "consumer key", "license key",
                     "subscription key", "service key", "account key", "storage key"})
"""Credentials a provider issues: always random, never a word someone picked (unlike a password
or a signing key, where a word is a weak secret)."""
_CAMEL_IDENTIFIER = re.compile(r"[a-z]{2,15}(?:[A-Z][a-z]{0,15}){1,2}")
"""A lowercase word and one or two capitalised ones, letters only (`scopeL`, `bracketRight`,
`accessToken`): an identifier."""
LOWER_WORDS = re.compile(r"[a-z]{2,15}(?:[-_][a-z]{2,15}){0,2}")
"""One to three lowercase words and nothing else (`slack`, `auto`, `google-drive`): a selector,
a sentinel or a label; keys and tokens have digits or mixed case."""


def _dotted_path(value: str) -> bool:
    """A Python dotted path (`pkg.module.ClassName`, `a.b.c`): a name, not a secret. Not a JWT
    (`eyJ...`) or anything random-looking."""
    segments = value.split(".")
    return (
        re.fullmatch(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+", value) is not None
        and not value.startswith("eyJ")
        and (len(segments) >= 3 or re.match(r"[A-Z][a-z]", segments[-1]) is not None)
        and not any(_random_looking(seg) for seg in segments)
    )


def _random_looking(value: str) -> bool:
    """Long, mixed-case, with digits and high entropy: generated, not written by a person."""
    return (
        len(value) >= 20
        and entropy(value) >= 3.5
        and bool(re.search(r"[a-z]", value) and re.search(r"[A-Z]", value) and re.search(r"\d", value))
    )


def token_shape(value: str) -> str | None:
    """The kind of well-known token inside `value` ("GitHub token"...), ignoring documented examples."""
    for pattern, what in TOKEN_SHAPES:
        m = pattern.search(value)
        if m and not _EXAMPLE_TOKEN.search(m.group(0)) and what != "private key":
            return what
        if m and what == "private key":
            # A PEM header alone (a regex, an error message) is not a key: there must be a body.
            rest = value[m.end() : m.end() + 200]
            if re.search(r"[A-Za-z0-9+/=]{40,}", rest):
                return what
    return None


@dataclass(frozen=True)
class UrlCredentials:
    scheme: str
    user: str
    host: str
    start: int
    end: int
    """Span of the password inside the string."""


def url_credentials(value: str) -> UrlCredentials | None:
    """A real password inside `scheme://user:password@host` or `...;PWD=...;` text."""
    for m in _URL_CREDENTIALS.finditer(value):
        password = unquote(m.group("password"))
        user = unquote(m.group("user"))
        host = m.group("host").lower()
        if _is_fake_password(password, user, host, m.group("scheme")):
            continue
        return UrlCredentials(m.group("scheme").lower(), user, host, m.start("password"), m.end("password"))
    if len(_KV_PAIR.findall(value)) < 2:
        return None
    for m in _KV_PASSWORD.finditer(value):
        password = m.group("password")
        if _is_fake_password(password, "", ""):
            continue
        return UrlCredentials("odbc", "", "", m.start("password"), m.end("password"))
    return None


def _is_fake_password(password: str, user: str, host: str, scheme: str = "") -> bool:
    if is_placeholder(password) or _TEMPLATE_MARKERS.search(password) or password.startswith(("$", "%", "{")):
        return True
    if _REGEX_SYNTAX.search(f"{user}:{password}") or password.lower() in FACTORY_DEFAULTS:
        return True  # `r"https://([^:]+):([^@]+)@(.*)"`, a pattern that finds credentials; a device's factory password
    if password.lower() == user.lower():
        return True
    if len(password) <= 2 and len(user) <= 2:
        return True  # `http://u:p@proxy:823`: letters standing for a user and a password
    if (host in LOOPBACK_HOSTS or not host) and not (re.search(r"[a-z]", password) and re.search(r"[A-Z]", password) and re.search(r"\d", password)):
        return True  # `postgresql://otpd:linotp2d@localhost/otpdb`, `swift://demo:nomoresecrete@/demo` (no host: this
        # machine's default): usable only on the machine itself, a local identity
    if host in _LOCAL_HOSTS or host.endswith((".local", ".localhost", ".example.com", ".example.org", ".test")) or host in ("example.com", "example.org"):
        return password.lower() in _DEFAULT_PASSWORDS or len(password) < 4 or spelled_from(password, frozenset({scheme, user, host}))
    if _SERVICE_HOST.fullmatch(host):
        # `redis://:redispassword@cache:6379`: a compose service's own name, spelled into the
        # password of a stack that exists only on the developer's machine
        return spelled_from(password, frozenset({scheme, user, host}))
    return False


_SERVICE_HOST = re.compile(r"[a-z][a-z0-9_-]*")
"""A host of one label (`cache`, `db-primary`): a service name inside a compose or cluster
network, not an address on the internet."""
