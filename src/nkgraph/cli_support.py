"""What every nkgraph command shares: errors turned into messages and exit codes, common options,
and the group that imports a command's module only when that command runs.

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
import importlib
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


class LazyGroup(click.Group):
    """A command group whose commands from other modules are imported only when run (or asked for help).

    ``lazy_commands`` maps a command name to ``(module, attribute, short help)``; the short help
    (the first sentence of the command's docstring) lists the command in ``--help`` without
    importing its module, so ``nkgraph query`` never pays for networkx or rdflib.

    >>> group = LazyGroup(lazy_commands={"hello": ("nkgraph.commands_trace", "trace", "Trace claims.")})
    >>> group.list_commands(click.Context(group))
    ['hello']
    >>> group.get_command(click.Context(group), "hello").name
    'trace'
    """

    def __init__(self, *args: object, lazy_commands: dict[str, tuple[str, str, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            module, attribute, _ = self.lazy_commands[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, as :class:`click.Group` writes it, without importing lazy commands."""
        listed = []
        for name in self.list_commands(ctx):
            cmd = self.commands.get(name) or click.Command(name, help=self.lazy_commands[name][2])
            if not cmd.hidden:
                listed.append((name, cmd))
        if listed:
            limit = formatter.width - 6 - max(len(name) for name, _ in listed)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in listed])
