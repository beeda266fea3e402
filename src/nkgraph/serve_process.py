"""``nkgraph serve`` as a child process on a free loopback port, for tests and benchmark scripts.

:func:`start_serve` runs ``python -m nkgraph serve --host 127.0.0.1 --port 0 --out BUILD …`` with
this interpreter, reads the address the server reports on stderr, waits until it answers, and
returns a :class:`ServeProcess`: the process, its base URL and the lines of its stderr so far (kept
by a reader thread, so a chatty server never blocks on a full pipe). :meth:`ServeProcess.stop`
stops it by its PID (SIGTERM, which ``nkgraph serve`` handles by stopping its query workers too,
then SIGKILL); leaving a ``with`` block stops it as well.

>>> with start_serve(Path("build"), "--workers", "1") as served:          # doctest: +SKIP
...     urllib.request.urlopen(served.url + "/sparql?query=ASK%7B%7D").read()
b'{"head": {}, "boolean": true}'
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

from nkgraph.server import wait_until_up

HOST = "127.0.0.1"
_ADDRESS = re.compile(r"http://127\.0\.0\.1:(\d+)/sparql")


class ServeProcess(subprocess.Popen):
    """A running ``nkgraph serve``: ``url`` is its base URL (no trailing slash), ``log`` the last
    10,000 lines of its stderr (it reports each query worker it kills there)."""

    url: str
    log: deque[str]
    _drain: threading.Thread | None = None

    def stop(self, grace: float = 10.0) -> None:
        """Stop the server by its PID: SIGTERM, then SIGKILL after ``grace`` seconds. Safe to call twice."""
        if self.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.wait(grace)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.wait(grace)
        if self._drain is not None:
            self._drain.join(2)  # the last lines it logged, in ``log`` before this returns
        if self.stderr is not None and not (self._drain and self._drain.is_alive()):
            self.stderr.close()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_serve(build: Path, *options: str, startup: float = 60.0) -> ServeProcess:
    """Start ``nkgraph serve`` over the build in ``build`` on 127.0.0.1 and any free port.

    ``options`` are passed on to ``nkgraph serve`` (e.g. ``"--workers", "2"``; a later option
    overrides an earlier one). Returns once the server answers HTTP; raises RuntimeError, with the
    end of its stderr, when it exits or has not reported its address within ``startup`` seconds
    (the process is stopped first).
    """
    cmd = [sys.executable, "-m", "nkgraph", "serve", "--host", HOST, "--port", "0", "--out", str(build), *options]
    proc = ServeProcess(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    proc.log = deque(maxlen=10_000)
    stderr = proc.stderr
    assert stderr is not None
    deadline = time.monotonic() + startup
    while time.monotonic() < deadline:
        line = stderr.readline()
        if not line:
            break
        proc.log.append(line)
        if match := _ADDRESS.search(line):
            proc._drain = threading.Thread(target=proc.log.extend, args=(stderr,), daemon=True)  # never block the server
            proc._drain.start()
            proc.url = f"http://{HOST}:{match.group(1)}"
            try:
                wait_until_up(proc.url + "/", max(1.0, deadline - time.monotonic()))
            except OSError:
                break
            return proc
    proc.stop()
    raise RuntimeError("nkgraph serve did not start (is the build there?): " + "".join(proc.log)[-2000:])
