"""The ``optbench`` command line.

Each module of this package adds one group of commands through ``register(commands)``, each
command pointing at a handler ``handler(args) -> int``; :data:`COMMAND_MODULES` lists them in
the order ``optbench --help`` shows. Nothing below this package reads ``sys.argv`` or global
state.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from optbench import __version__
from optbench.cli import check, data, info, refine, replicate, report, study

COMMAND_MODULES = (study, refine, replicate, check, info, report, data)


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other optbench error (the
    usage is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        choice = re.search(r"invalid choice: '(.*?)' \(choose from (.*)\)", message)
        if choice:
            known = [name.strip(" '") for name in choice.group(2).split(",")]
            close = difflib.get_close_matches(choice.group(1), known, n=3, cutoff=0.5)
            message += f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
        self.exit(2, f"optbench: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = Parser(
        prog="optbench", description="Fair comparisons of deep-learning optimizers."
    )
    parser.add_argument("--version", action="version", version=f"optbench {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in ``argv``. A user's error (a bad argument or file, missing or malformed
    data, a database that cannot be used, a path that cannot be written) prints one line and
    exits 2; a failure that is not the user's (workers that died or stopped) exits 1;
    tracebacks are for bugs."""
    from optbench.data import DataFormatError, DataNotFoundError, DownloadError
    from optbench.errors import InvalidParameterError
    from optbench.executors import ExecutorError
    from optbench.store import StoreError

    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (DataNotFoundError, DataFormatError, DownloadError, InvalidParameterError,
            StoreError) as error:  # fmt: skip
        return _fail(str(error), 2)
    except ExecutorError as error:
        return _fail(str(error), 1)
    except BrokenPipeError:  # stdout closed early (`optbench list ... | head`): say nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as error:  # the disk: a path that is a file, full, read-only, not allowed
        where = f"{error.filename}: " if error.filename else ""
        return _fail(f"{where}{error.strerror or error}", 2)


def _fail(message: str, status: int) -> int:
    print(f"optbench: error: {message}", file=sys.stderr)
    return status
