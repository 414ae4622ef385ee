"""JavaScript and TypeScript that runs in a browser, on a desktop or in a terminal, not on a server.

backlint reviews backends. A repository often holds its web client beside its server (a React
single-page app, a Grafana plugin's front end, an Electron shell): there, `fetch(url,
{credentials: "include"})` is the browser's cookie mode, not a credential, and a request without
a timeout keeps no server worker waiting. So JavaScript and TypeScript files are given to the
semgrep rules only when they may run on a server.

A file belongs to the package of the nearest `package.json` above it (within the scan). A
package that declares commands (`"bin"` in its package.json) and no server framework or database
client among its runtime dependencies is a command-line tool, left out likewise. A
package is a client when its dependencies name a user-interface or desktop framework (React,
Vue, Angular, Svelte, Solid, Preact, Ember, Electron, React Native...) and no server framework
(Express, Fastify, Koa, NestJS, hapi...) among its runtime dependencies. In the packages of full-stack frameworks (Next.js,
Nuxt, SvelteKit, Remix, Astro) the server's files are kept: API routes (`pages/api/`,
`app/**/route.ts`), `server/` and `api/` folders, `*.server.ts` modules, middleware, and modules
that say they run on the server (`"use server"`, `import "server-only"`, `next/server`). A plain
client package that depends on a database client (`pg`, `prisma`...) is kept whole. Files with no
`package.json` above them, or under one that cannot be read, are kept, except scripts that work on
the browser's document or window (`document.createElement`, `window.location`) in a scan with no
`package.json` at all: a page's scripts (a Pyramid site's `assets/js/`, built by Deno or a bundler
configured elsewhere).

JavaScript and TypeScript inside a Python package (a directory with `__init__.py` above them) is
the front end that package serves: a Django app's `static/`, a Pyramid component's `nodepkg/` of
MobX stores. Such files are left out too, unless their `package.json` names a server or a
database client among its runtime dependencies: a Python package's server is its Python code.

Generated JavaScript is left out too, wherever it lies: minified files and bundles (a
content-hashed name like `7340.67cf0252.js`, webpack's runtime markers, or lines that average
hundreds of characters; `*.min.js` and `*.bundle.js` are in the default excludes). Nobody reviews a bundle; its sources are reviewed where
they are, and a bundle's megabytes of one-line code only slow the scan down.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Callable, Iterable, Mapping

_CLIENT = frozenset({
    "react", "react-dom", "vue", "@angular/core", "svelte", "solid-js", "preact", "lit", "@builder.io/qwik",
    "electron", "react-native", "expo", "@ionic/core", "@capacitor/core", "@tauri-apps/api", "jquery",
    "next", "nuxt", "@sveltejs/kit", "@remix-run/react", "astro", "@grafana/data", "@grafana/ui",
    "ember-source", "ember-cli", "backbone", "mithril", "alpinejs", "htmx.org", "stimulus", "@hotwired/stimulus",
})
_FULL_STACK = frozenset({"next", "nuxt", "@sveltejs/kit", "@remix-run/react", "@remix-run/node", "astro"})
"""Client frameworks that also serve: their packages hold server routes."""
_SERVER = frozenset({
    "express", "fastify", "koa", "@nestjs/core", "@hapi/hapi", "hapi", "restify", "@adonisjs/core", "hono",
    "@feathersjs/feathers", "sails", "@loopback/core", "polka", "micro", "@apollo/server", "apollo-server",
    "apollo-server-express", "graphql-yoga", "h3", "elysia", "@trpc/server", "moleculer", "socket.io",
})
"""HTTP servers: a package that runs one is server code, whatever else it holds."""
_DATA = frozenset({
    "mongoose", "sequelize", "typeorm", "prisma", "@prisma/client", "knex", "pg", "mysql", "mysql2",
    "better-sqlite3", "sqlite3", "mongodb", "drizzle-orm", "objection", "ioredis", "redis",
})
"""Database clients: beside a plain user-interface framework they say the package also serves."""
_SERVER_CODE = re.compile(r"""^\s*["']use server["']|from\s+["'](?:next/server|server-only)["']|import\s+["']server-only["']""", re.M)
"""In a full-stack package, a module that says it runs on the server."""
_SERVER_PATH = re.compile(
    r"(^|/)(pages|src/pages)/api/|(^|/)app/(.*/)?route\.[cm]?[jt]sx?$|(^|/)(server|api|backend)/"
    r"|\.server\.[cm]?[jt]sx?$|(^|/)middleware\.[cm]?[jt]s$|(^|/)\+server\.[jt]s$"
)


def _dependencies(manifest: Mapping[str, object], keys: Iterable[str] = ("dependencies", "devDependencies", "peerDependencies")) -> frozenset[str]:
    names: set[str] = set()
    for key in keys:
        section = manifest.get(key)
        if isinstance(section, dict):
            names.update(str(name) for name in section)
    return frozenset(names)


def package_kind(manifest: Mapping[str, object]) -> str | None:
    """"client", "full-stack", "command-line" or None (server code, or nothing known) for a parsed
    package.json."""
    deps = _dependencies(manifest)
    runtime = _dependencies(manifest, ("dependencies",))  # (a devDependency on express serves tests)
    if runtime & _SERVER:
        return None
    if manifest.get("bin") and not runtime & _DATA:
        return "command-line"  # `"bin": {"lbs": "./bin/lbs"}`: a tool people run in a terminal
    if not deps & _CLIENT:
        return None
    if deps & _FULL_STACK:
        return "full-stack"
    return None if runtime & _DATA else "client"


_GENERATED_NAME = re.compile(r"\.chunk\.[cm]?js$|[.-][0-9a-f]{8,}\.[cm]?js$")
"""Bundlers' output names (`*.min.js` and `*.bundle.js` are in the default excludes)."""
_BUNDLER = re.compile(rb"__webpack_|webpackChunk|\bparcelRequire\b|__vite__mapDeps|System\.register\(")
_SAMPLE = 65536
_MINIFIED_LINE = 200
"""Mean characters per line above which a file is minified (hand-written code averages 30 to 50)."""


def generated(rel: str, head: bytes) -> bool:
    """Whether a JavaScript/TypeScript file is generated (minified or bundled), judged from its
    name and `head`, its first bytes (64 KiB are enough)."""
    name = rel.rsplit("/", 1)[-1]
    if _GENERATED_NAME.search(name):
        return True
    sample = head[:_SAMPLE]
    if _BUNDLER.search(sample):
        return True
    return len(sample) >= 1024 and len(sample) / (sample.count(b"\n") + 1) > _MINIFIED_LINE


def shipped_build(rel: str, head: bytes, exists: Callable[[str], bool]) -> bool:
    """`fontawesome.js` beside `fontawesome.min.js`, opening with a licence banner (`/*!`,
    `@license`): a library's distribution, shipped in both builds. (`exists` says whether a
    project-relative file is there; a project's own file beside its minified build has no banner.)"""
    stem, _, ext = rel.rpartition(".")
    return (ext in ("js", "mjs", "cjs") and not stem.endswith(".min") and _BANNER.match(head[:4096]) is not None
            and exists(f"{stem}.min.{ext}"))


_BANNER = re.compile(rb"\s*(?:/\*!|/\*\*?[^*]*?(?:@license|\blicen[sc]ed?\b|\(c\)|copyright))", re.I)


def client_files(rels: Iterable[str], read: Callable[[str], bytes | None]) -> dict[str, str]:
    """The files among `rels` (project-relative POSIX paths) that run in a browser or on a desktop,
    each with what says so: the client package's `package.json`, or the `__init__.py` of the Python
    package holding it. `read(rel)` gives a project-relative file's bytes, or None."""
    packages: dict[str, tuple[str, str | None, bool]] = {}  # directory -> (package directory, kind, serves)
    python: dict[str, str | None] = {}  # directory -> the outermost Python package around it

    def package_of(directory: str) -> tuple[str, str | None, bool]:
        known = packages.get(directory)
        if known is not None:
            return known
        data = read(f"{directory}/package.json" if directory else "package.json")
        if data is not None:
            try:
                manifest = json.loads(data)
            except ValueError:
                found: tuple[str, str | None, bool] = (directory, None, True)
            else:
                if isinstance(manifest, dict):
                    found = (directory, package_kind(manifest), bool(_dependencies(manifest, ("dependencies",)) & (_SERVER | _DATA)))
                else:
                    found = (directory, None, True)
        elif directory:
            found = package_of(_parent(directory))
        else:
            found = ("", None, False)
        packages[directory] = found
        return found

    def python_package(directory: str) -> str | None:
        # (Not the scan's root: an `__init__.py` there says little about the folders beside it.)
        if not directory:
            return None
        if directory in python:
            return python[directory]
        outer = python_package(_parent(directory))
        if outer is None and read(f"{directory}/__init__.py") is not None:
            outer = directory
        python[directory] = outer
        return outer

    out: dict[str, str] = {}
    manifest_at_root: bool | None = None  # (read once, when a file first needs it)
    for rel in rels:
        if rel.startswith("../") or rel.startswith("/"):
            continue
        directory = rel.rsplit("/", 1)[0] if "/" in rel else ""
        package, kind, serves = package_of(directory)
        if kind is None:
            home = None if serves else python_package(directory)
            if home is not None:
                out[rel] = f"{home}/__init__.py"
            elif not serves and not package:
                if manifest_at_root is None:
                    manifest_at_root = read("package.json") is not None
                if not manifest_at_root and _DOM.search((read(rel) or b"")[:_SAMPLE]):
                    out[rel] = directory or "."  # no package.json anywhere: a page's script, by the DOM it works on
            continue
        inside = rel[len(package) + 1:] if package else rel
        if kind == "full-stack" and (_SERVER_PATH.search(inside) or _SERVER_CODE.search((read(rel) or b"").decode("utf-8", "replace"))):
            continue
        out[rel] = f"{package}/package.json" if package else "package.json"
    return out


_DOM = re.compile(
    rb"\bdocument\.(?:createElement|createDocumentFragment|getElementById|getElementsBy\w+|querySelector(?:All)?|body"
    rb"|documentElement|readyState|addEventListener)\b|\bwindow\.(?:location|addEventListener|localStorage|sessionStorage"
    rb"|history|matchMedia)\b"
)
"""The browser's document and window: a script that works on them runs in a page."""


def whose(marker: str, read: Callable[[str], bytes | None]) -> str:
    """What kind of code the files `client_files` gave `marker` are, in words."""
    if marker.endswith("__init__.py"):
        return "a Python package (whose server is its Python code)"
    if not marker.endswith("package.json"):
        return "web pages (scripts that work on the browser's document, with no package.json)"
    try:
        manifest = json.loads(read(marker) or b"{}")
    except ValueError:
        manifest = {}
    if isinstance(manifest, dict) and package_kind(manifest) == "command-line":
        return "a command-line package"
    return "a browser or desktop client package"


def _parent(directory: str) -> str:
    return str(PurePosixPath(directory).parent) if "/" in directory else ""
