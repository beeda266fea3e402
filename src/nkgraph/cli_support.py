"""What every nkgraph command shares: errors turned into messages and exit codes, common options.

>>> @handle_errors
... def fails() -> None:
...     raise NkgraphError("no such query", hint="run 'nkgraph query --list'")
>>> try:
...     fails()
... except SystemExit as exit:
...     exit.code
2
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Callable, TypeVar

import click

from nkgraph.errors import EXIT_ERROR, NkgraphError
from nkgraph.paths import DEFAULT_OUT

F = TypeVar("F", bound=Callable[..., object])


def _err(message: str) -> None:
    click.echo(message, err=True)


def handle_errors(func: F) -> F:
    """Turn nkgraph errors into a message on stderr and the documented exit code."""

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        try:
            return func(*args, **kwargs)
        except NkgraphError as err:
            _err(f"error: {err}" if err.exit_code == EXIT_ERROR else str(err))
            sys.exit(err.exit_code)
        except KeyboardInterrupt as err:
            if type(err).__name__ == "InterruptedAfterWrite":
                _err("interrupted: the build had just been completed, its outputs are whole")
            else:
                _err("interrupted: nothing was changed")
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(0)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OSError as err:  # the file system refused (disk full, a path that is a file, …)
            where = f"{err.filename}: " if err.filename else ""
            _err(f"error: {where}{err.strerror or err}\n  what to do: check the path, its permissions and the free disk space")
            sys.exit(EXIT_ERROR)
        except Exception as err:  # noqa: BLE001 - a bug: one line instead of a traceback, unless NKGRAPH_DEBUG is set
            if os.environ.get("NKGRAPH_DEBUG"):
                raise
            _err(f"error: internal error ({type(err).__name__}: {err})\n  what to do: this is a bug in nkgraph; please report it with the command you ran (NKGRAPH_DEBUG=1 shows the traceback)")
            sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


out_option = click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True, help="Folder of the build."
)
