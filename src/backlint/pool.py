"""Worker processes that analyse Python files, one file at a time each.

A process pool of our own rather than `concurrent.futures`: one file's trouble must stay that
file's. A worker that crashes (a segfault in a parser, an abort on memory exhaustion, a stack
overflow) or runs past the per-file time limit is killed and replaced; the file gets one
notification and the scan goes on with the others. Results stream back as they finish, so the
parent never holds more than one result per worker in flight and a worker never keeps a syntax
tree after its file is done.

On POSIX the workers are forked (the parent runs no threads at that moment, so a fork is safe and
costs milliseconds); elsewhere they are spawned. The scan's own process never imports the analyzer
(libcst, the framework model, the rules): each worker imports it, and rules reach workers as their
catalogue entries when the parent has not loaded their classes. `prestart()` forks one worker as
the program starts, before the command line is read, so that its imports overlap the scan's start
(configuration, discovery, project facts); `run()` then takes it as its first worker.
"""

from __future__ import annotations

import atexit
import faulthandler
import gc
import multiprocessing as mp
import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from backlint.findings import FileResult, Level, Notification, NotificationKind

if TYPE_CHECKING:
    from backlint.analysis import RuleSpec
    from backlint.frameworks.project import ProjectFacts

Spec = tuple[Any, Mapping[str, Any]]
"""A rule and its effective options: the rule class, or its catalogue entry (`RuleInfo`), whose
class the worker imports."""

MEMORY_LIMIT = 4 * 1024**3
"""Address-space limit of a worker, so a runaway file fails alone instead of swapping the machine."""


@dataclass(frozen=True)
class Task:
    path: str
    """Absolute path to read."""
    rel: str
    disabled: frozenset[str] = frozenset()
    """Rule ids switched off for this file (per-file-ignores)."""


def analyze_bytes(path: str, data: bytes, specs: Sequence[RuleSpec], facts: ProjectFacts | None = None) -> FileResult:
    """`analysis.analyze_bytes`, imported where it runs: in the worker."""
    from backlint import analysis

    return analysis.analyze_bytes(path, data, specs, facts if facts is not None else analysis.EMPTY_FACTS)


def analyze_task(task: Task, specs: Sequence[RuleSpec], facts: ProjectFacts | None = None) -> FileResult:
    """Read and analyse one file; every failure becomes a notification in the result."""
    from backlint.analysis import rules_for_path

    active = [s for s in specs if s[0].ID not in task.disabled] if task.disabled else list(specs)
    active = rules_for_path(task.rel, active)
    if not active:
        return FileResult(task.rel)
    try:
        with open(task.path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        result = FileResult(task.rel)
        result.notifications.append(
            Notification(NotificationKind.UNREADABLE, f"cannot read: {exc.strerror or exc}", task.rel, Level.WARNING)
        )
        return result
    try:
        return analyze_bytes(task.rel, data, active, facts)
    except MemoryError:
        result = FileResult(task.rel)
        result.notifications.append(Notification(NotificationKind.CRASH, "ran out of memory while analysing this file", task.rel))
        return result
    except RecursionError:
        result = FileResult(task.rel)
        result.notifications.append(Notification(NotificationKind.CRASH, "code nested too deeply to analyse", task.rel))
        return result
    except Exception as exc:  # a bug of ours: keep it to this file
        result = FileResult(task.rel)
        result.notifications.append(
            Notification(NotificationKind.CRASH, f"internal error while analysing this file ({type(exc).__name__}: {exc})", task.rel)
        )
        return result


def _implementations(specs: Sequence[Spec]) -> list[RuleSpec]:
    """Rule classes for catalogue entries (imported here, in the worker)."""
    resolved: list[RuleSpec] = []
    for source, options in specs:
        cls = source if isinstance(source, type) else source.implementation()
        if cls is not None:
            resolved.append((cls, options))
    return resolved


def _prepare_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    faulthandler.disable()  # a crash is reported as a notification, never as a traceback dump
    _limit_resources()
    # libcst trees are acyclic: reference counting frees them, so the cyclic collector can run rarely.
    gc.set_threshold(100_000, 50, 100)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 6000))


def _worker_main(conn: Connection, specs: Sequence[Spec], facts: ProjectFacts | None) -> None:
    _prepare_worker()
    _serve(conn, _implementations(specs), facts)


def _early_main(conn: Connection) -> None:
    """A worker started before the scan knows its rules: it imports the analyzer and every rule
    while the scan starts, then waits for its rules and facts (None: not needed after all)."""
    _prepare_worker()
    from backlint import analysis, catalog  # noqa: F401  (the imports are the point)

    catalog.import_rule_modules()
    try:
        init = conn.recv()
    except (EOFError, OSError):
        return
    if init is None:
        return
    specs, facts = init
    _serve(conn, _implementations(specs), facts)


def _serve(conn: Connection, specs: Sequence[RuleSpec], facts: ProjectFacts | None) -> None:
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        result = analyze_task(task, specs, facts)
        try:
            conn.send(result)
        except (BrokenPipeError, OSError):
            return
        except Exception as exc:  # a result that cannot be pickled: a bug of ours, kept to this file
            result = FileResult(task.rel)
            result.notifications.append(
                Notification(NotificationKind.CRASH, f"internal error while reporting on this file ({type(exc).__name__})", task.rel)
            )
            try:
                conn.send(result)
            except (BrokenPipeError, OSError):
                return


def _limit_resources() -> None:
    """A worker's address space is limited, and a crash leaves no core file behind (in the scanned
    repository, which is often the working directory)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    for which, value in ((resource.RLIMIT_AS, MEMORY_LIMIT), (resource.RLIMIT_CORE, 0)):
        try:
            soft, hard = resource.getrlimit(which)
            if hard == resource.RLIM_INFINITY or hard > value:
                resource.setrlimit(which, (value, hard))
        except (ValueError, OSError):
            pass


class _Worker:
    def __init__(self, context: Any, specs: Sequence[Spec] | None, facts: ProjectFacts | None) -> None:
        """A worker for `specs` and `facts`; with specs None, an early one (see `prestart`)."""
        parent, child = context.Pipe(duplex=True)
        self.conn: Connection = parent
        target, args = (_early_main, (child,)) if specs is None else (_worker_main, (child, specs, facts))
        self.process = context.Process(target=target, args=args, daemon=True)
        self.process.start()
        child.close()
        self.task: Task | None = None
        self.started = 0.0

    def assign(self, task: Task) -> None:
        self.task = task
        self.started = time.monotonic()
        self.conn.send(task)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _context() -> Any:
    if sys.platform != "win32" and "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context("spawn")


def _signal_name(code: int | None) -> str:
    if code is None or code >= 0:
        return f"exit code {code}"
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


_early: _Worker | None = None


def prestart() -> None:
    """Fork one worker now, so that importing the analyzer overlaps the start of the scan; `run()`
    takes it as its first worker, and it is stopped at exit if no file needed it. Only where
    workers are forked: a spawned one would import everything anyway."""
    global _early
    if _early is not None or sys.platform == "win32" or "fork" not in mp.get_all_start_methods():
        return
    try:
        _early = _Worker(mp.get_context("fork"), None, None)
    except OSError:
        return  # no processes to spare: the pool starts its workers later, as usual
    atexit.register(_discard_early)


def _discard_early() -> None:
    global _early
    if _early is not None:
        _early.stop(kill=True)
        _early = None


def _take_early(specs: Sequence[Spec], facts: ProjectFacts | None) -> _Worker | None:
    """The prestarted worker, told its rules and facts; None when there is none or it is gone."""
    global _early
    worker, _early = _early, None
    if worker is None:
        return None
    try:
        worker.conn.send((list(specs), facts))
    except Exception:  # it died, or a rule class cannot be sent (one defined inside a function)
        worker.stop(kill=True)
        return None
    return worker


def run(
    tasks: Sequence[Task], specs: Sequence[Spec], jobs: int, timeout: float, facts: ProjectFacts | None = None
) -> Iterator[FileResult]:
    """Analyse `tasks` in `jobs` worker processes, yielding results as they finish."""
    if not tasks:
        return
    context = _context()
    queue = deque(sorted(tasks, key=lambda t: -_size(t.path)))
    early = _take_early(specs, facts)
    workers = [early] if early is not None else []
    workers += [_Worker(context, specs, facts) for _ in range(max(1, min(jobs, len(queue))) - len(workers))]
    try:
        while queue or any(w.task is not None for w in workers):
            for i, w in enumerate(workers):
                if w.task is None and queue:
                    task = queue.popleft()
                    try:
                        w.assign(task)
                    except OSError:
                        # The worker died while it had nothing to do (killed from outside, say):
                        # the file never reached it, so it goes to a new worker.
                        w.stop(kill=True)
                        workers[i] = _Worker(context, specs, facts)
                        workers[i].assign(task)
            busy = [w for w in workers if w.task is not None]
            now = time.monotonic()
            # (at most an hour at a time: a huge per-file-timeout must not overflow the wait)
            wait_for = min(3600.0, max(0.0, min(w.started + timeout - now for w in busy)))
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=wait_for)
            for i, w in enumerate(workers):
                if w.task is None:
                    continue
                task = w.task
                result: FileResult | None = None
                failure: str | None = None
                if w.conn in ready:
                    try:
                        result = w.conn.recv()
                    except (EOFError, OSError):
                        w.process.join(timeout=5)
                        failure = f"the analyzer process crashed on this file ({_signal_name(w.process.exitcode)})"
                elif w.process.sentinel in ready:
                    w.process.join(timeout=5)
                    failure = f"the analyzer process crashed on this file ({_signal_name(w.process.exitcode)})"
                elif time.monotonic() - w.started > timeout:
                    failure = f"analysis took longer than {timeout:g} s and was stopped (per-file-timeout)"
                if result is not None:
                    w.task = None
                    yield result
                elif failure is not None:
                    kind = NotificationKind.TIMEOUT if "took longer" in failure else NotificationKind.CRASH
                    w.stop(kill=True)
                    workers[i] = _Worker(context, specs, facts)
                    crashed = FileResult(task.rel)
                    crashed.notifications.append(Notification(kind, failure, task.rel, Level.ERROR))
                    yield crashed
    finally:
        for w in workers:
            w.stop(kill=w.task is not None)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
