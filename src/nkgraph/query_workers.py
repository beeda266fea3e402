"""Query workers for ``nkgraph serve``: killable processes behind a first-come, first-served queue.

Oxigraph cannot cancel a running query, so the server process never runs one itself. Each
worker is a separate Python process (``python -m nkgraph.query_workers GRAPH MAX_RESULTS store``,
started with :mod:`subprocess`, i.e. fork + exec: safe in a threaded server) that opens the build's
Oxigraph store read-only (:func:`nkgraph.store.open_built`, as ``nkgraph query`` does, so answers are
the same row for row; several processes open it at once without trouble) — or, with ``memory``,
loads the graph into its own in-memory store: 2 to 4 times the throughput, for ~50 MB per worker,
but rows of unordered queries and GROUP_CONCAT values may come in another order. A worker answers
one job at a time over two pipes (:class:`multiprocessing.connection.Connection`: a job is
``(query, substitutions, format, accept)``, an answer ``("ok", content_type, body)`` or
``("refused", status, message)``).

:class:`WorkerPool` hands workers to requests strictly in arrival order. A request that finds no
free worker waits in a bounded queue; when the queue is full it is turned away at once (503 with
``Retry-After``). Waiting counts toward the request's overall deadline. A query that runs past its
timeout has its worker killed (SIGKILL); a fresh worker replaces it as soon as it has loaded the graph.

>>> pool = WorkerPool(Path("build/nkgraph.nt"), size=2, max_results=10_000, max_queue=64)  # doctest: +SKIP
>>> pool.run(("ASK {}", None, "json", None), timeout=10, deadline=time.monotonic() + 30)  # doctest: +SKIP
('application/sparql-results+json; charset=utf-8', b'{"head": {}, "boolean": true}')
>>> pool.close()  # doctest: +SKIP
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable

from nkgraph.errors import NkgraphError
from nkgraph.sparql_results import Refused

__all__ = ["Worker", "WorkerPool", "default_workers"]

STARTUP_SECONDS = 120.0  # a worker has this long to load the graph and say it is ready
RETRY_AFTER = 2  # seconds, in the Retry-After header of "busy" answers

Job = tuple  # (query text, substitutions or None, format or None, Accept header or None)


def default_workers() -> int:
    """One worker per core, at least 2 and at most 8 (each is a process with its own store).

    >>> 2 <= default_workers() <= 8
    True
    """
    return max(2, min(os.cpu_count() or 2, 8))


class Worker:
    """One query process: started at construction, ready once :meth:`wait_ready` returns."""

    def __init__(self, graph_file: Path, max_results: int, in_memory: bool = False) -> None:
        jobs_r, jobs_w = os.pipe()
        answers_r, answers_w = os.pipe()
        cmd = [sys.executable, "-m", "nkgraph.query_workers", str(graph_file), str(max_results), "memory" if in_memory else "store"]
        try:
            # close_fds (the default) keeps other workers' pipe ends out of this child, so each worker
            # sees end-of-file when the server goes away
            self.proc = subprocess.Popen(cmd, stdin=jobs_r, stdout=answers_w)
        finally:
            os.close(jobs_r)
            os.close(answers_w)
        self.pid = self.proc.pid
        self._kill_lock = threading.Lock()  # kill() may come from a request thread and from close() at once
        self._jobs = Connection(jobs_w, readable=False)
        self._answers = Connection(answers_r, writable=False)

    def wait_ready(self, seconds: float = STARTUP_SECONDS) -> None:
        """Block until the worker has loaded the graph; raise NkgraphError when it fails to."""
        try:
            if self._answers.poll(seconds) and self._answers.recv()[0] == "ready":
                return
        except (EOFError, OSError):
            try:
                self.proc.wait(5)  # it is exiting: let it, so its exit code is its own
            except subprocess.TimeoutExpired:
                pass
        self.kill()
        raise NkgraphError(f"a query worker (PID {self.pid}) did not start: exit code {self.proc.returncode} (its message, if any, is above)",
                           hint="check that the build is whole ('nkgraph build'), then start 'nkgraph serve' again")

    def ask(self, job: Job, seconds: float) -> tuple:
        """Send one job and return the worker's answer; TimeoutError after ``seconds``, EOFError if it died."""
        self._jobs.send(job)
        if not self._answers.poll(max(seconds, 0.0)):
            raise TimeoutError
        return self._answers.recv()

    def kill(self) -> None:
        """SIGKILL the process, reap it and close the pipes (idempotent, thread-safe)."""
        with self._kill_lock:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            for pipe in (self._jobs, self._answers):
                if not pipe.closed:
                    pipe.close()


class _Ticket:
    """A request waiting in the queue; the pool hands it a worker by setting ``worker`` and ``ready``."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.worker: Worker | None = None


class WorkerPool:
    """``size`` workers, a FIFO queue of at most ``max_queue`` waiting requests, kill-on-timeout."""

    def __init__(self, graph_file: Path, size: int, max_results: int, max_queue: int, in_memory: bool = False,
                 log: Callable[[str], None] = lambda message: print(message, file=sys.stderr, flush=True)) -> None:
        self.graph_file = graph_file
        self.max_results = max_results
        self.in_memory = in_memory
        self.max_queue = max_queue
        self.log = log
        self.closed = False
        self._lock = threading.Lock()
        self._idle: list[Worker] = []
        self._queue: deque[_Ticket] = deque()
        self._all: set[Worker] = set()
        started = [Worker(graph_file, max_results, in_memory) for _ in range(size)]
        self._all.update(started)
        try:
            for worker in started:
                worker.wait_ready()
        except NkgraphError:
            self.close()
            raise
        self._idle.extend(started)

    def pids(self) -> list[int]:
        """The process ids of the live workers."""
        with self._lock:
            return sorted(w.pid for w in self._all)

    def run(self, job: Job, timeout: float, deadline: float) -> tuple[str, bytes]:
        """Run ``job`` on the next free worker and return (Content-Type, body).

        The job waits its turn until ``deadline`` (a ``time.monotonic()`` value) and then runs at most
        ``timeout`` seconds, never past the deadline. Raises :class:`Refused` when the queue is full or
        the deadline passes in it (503), when the query overruns (503, its worker is killed), when the
        worker dies (500), or with the worker's own refusal (400, 413).
        """
        arrived = time.monotonic()
        worker = self._acquire(deadline)
        started = time.monotonic()
        budget = min(timeout, deadline - started)
        if budget <= 0:  # handed a worker just as the deadline passed
            self._release(worker)
            raise Refused(503, "the server is busy: no worker became free before the request deadline: try again shortly", RETRY_AFTER)
        try:
            reply = worker.ask(job, budget)
        except TimeoutError:
            self._replace(worker, f"stopped a query after {budget:.1f} s: killed worker {worker.pid}")
            if budget < timeout:
                raise Refused(503, f"the query waited {started - arrived:.1f} s for a free worker and did not finish within the "
                                   f"request deadline ({deadline - arrived:.0f} s): try again shortly", RETRY_AFTER) from None
            raise Refused(503, f"the query took longer than {timeout:g} s and was stopped: make it more selective") from None
        except (EOFError, OSError):
            self._replace(worker, f"worker {worker.pid} died during a query (exit code {worker.proc.poll()})")
            if self.closed:
                raise Refused(503, "the server is shutting down") from None
            raise Refused(500, "the query stopped its worker process unexpectedly (a new one is starting): "
                               "try again, and report the query if this repeats") from None
        self._release(worker)
        if reply[0] == "ok":
            return reply[1], reply[2]
        raise Refused(reply[1], reply[2])

    def _acquire(self, deadline: float) -> Worker:
        """The next free worker, first come first served; Refused(503) when the queue is full or time runs out."""
        with self._lock:
            if self.closed:
                raise Refused(503, "the server is shutting down")
            if self._idle and not self._queue:
                return self._idle.pop()
            if len(self._queue) >= self.max_queue:
                raise Refused(503, f"the server is busy: the queue of {self.max_queue} waiting queries is full: try again shortly", RETRY_AFTER)
            ticket = _Ticket()
            self._queue.append(ticket)
        ticket.ready.wait(max(deadline - time.monotonic(), 0.0))
        with self._lock:
            if ticket.worker is not None:
                return ticket.worker
            if ticket in self._queue:
                self._queue.remove(ticket)
        if self.closed:
            raise Refused(503, "the server is shutting down")
        raise Refused(503, "the server is busy: no worker became free before the request deadline: try again shortly", RETRY_AFTER)

    def _release(self, worker: Worker) -> None:
        """Hand ``worker`` to the longest-waiting request, or put it back among the idle ones."""
        with self._lock:
            if not self.closed:
                if self._queue:
                    ticket = self._queue.popleft()
                    ticket.worker = worker
                    ticket.ready.set()
                else:
                    self._idle.append(worker)
                return
            self._all.discard(worker)
        worker.kill()

    def _replace(self, worker: Worker, why: str) -> None:
        """Kill ``worker`` now; start its successor in the background (it joins when ready)."""
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            if self.closed:
                return
        self.log(f"nkgraph serve: {why}; starting a new worker")
        threading.Thread(target=self._start_one, name="worker-start", daemon=True).start()

    def _start_one(self) -> None:
        """Start a replacement worker (up to three tries) and hand it to the queue once it is ready."""
        for attempt in range(1, 4):
            worker = Worker(self.graph_file, self.max_results, self.in_memory)
            with self._lock:
                if self.closed:
                    break
                self._all.add(worker)
            try:
                worker.wait_ready()
            except NkgraphError as err:
                with self._lock:
                    self._all.discard(worker)
                if self.closed:
                    return
                self.log(f"nkgraph serve: {err} (try {attempt} of 3)")
                continue
            self._release(worker)
            return
        else:
            self.log("nkgraph serve: gave up starting a replacement worker; the server runs with one worker fewer")
            return
        worker.kill()  # the server closed while this one was starting

    def close(self) -> None:
        """Kill every worker and turn away every waiting request (idempotent)."""
        with self._lock:
            self.closed = True
            workers, self._all, self._idle = list(self._all), set(), []
            waiting, self._queue = list(self._queue), deque()
        for ticket in waiting:
            ticket.ready.set()
        for worker in workers:
            worker.kill()


# -- the worker process ------------------------------------------------------------------------------


def _exit_with(parent: int) -> None:
    """Exit this process as soon as ``parent`` is gone (the server was killed without closing us)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    """Worker process (arguments GRAPH MAX_RESULTS store|memory): open the graph, say ready, then
    answer jobs from stdin on stdout until end-of-file."""
    import pyoxigraph as ox

    from nkgraph.sparql_results import answer
    from nkgraph.store import open_built

    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 3 or not args[1].isdigit() or args[2] not in ("store", "memory"):
        print("usage: python -m nkgraph.query_workers GRAPH MAX_RESULTS store|memory (started by 'nkgraph serve')", file=sys.stderr)
        return 2
    graph_file, cap, mode = args
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the server stops us
    answers = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # anything printed goes to stderr, never into the answer pipe
    jobs = Connection(os.dup(0), writable=False)
    _exit_with(os.getppid())
    try:
        if mode == "memory":
            store = ox.Store()
            store.bulk_load(path=graph_file, format=ox.RdfFormat.N_TRIPLES if graph_file.endswith(".nt") else ox.RdfFormat.TURTLE)
        else:
            store = open_built(Path(graph_file))
    except (NkgraphError, OSError, SyntaxError, ValueError) as err:  # one line on stderr, not a traceback
        print(f"error: query worker {os.getpid()} cannot open {graph_file}: {err}", file=sys.stderr, flush=True)
        return 2
    answers.send(("ready", os.getpid()))
    while True:
        try:
            text, substitutions, fmt, accept = jobs.recv()
        except EOFError:
            return 0
        try:
            answers.send(("ok", *answer(store, text, substitutions, fmt, accept, int(cap))))
        except Refused as err:
            answers.send(("refused", err.status, err.message))
        except Exception as err:  # noqa: BLE001 - any other failure of one query is that query's answer
            answers.send(("refused", 500, f"the query failed inside Oxigraph: {type(err).__name__}: {err}"))


if __name__ == "__main__":
    sys.exit(main())
