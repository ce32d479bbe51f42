"""The ``optbench`` command line.

Each module of this package adds one group of commands through ``register(commands)``, each
command pointing at a handler ``handler(args) -> int``; :data:`COMMAND_MODULES` lists them in
the order ``optbench --help`` shows. Nothing below this package reads ``sys.argv`` or global
state.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from optbench import __version__
from optbench.cli import data, info, report, study

COMMAND_MODULES = (study, info, report, data)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = argparse.ArgumentParser(
        prog="optbench", description="Fair comparisons of deep-learning optimizers."
    )
    parser.add_argument("--version", action="version", version=f"optbench {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in ``argv``; bad input prints one line, no traceback, and exits 2."""
    from optbench.data import DataFormatError, DataNotFoundError, DownloadError
    from optbench.errors import InvalidParameterError
    from optbench.store import StoreError

    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (DataNotFoundError, DataFormatError, DownloadError, InvalidParameterError,
            StoreError) as error:  # fmt: skip
        print(f"optbench: error: {error}", file=sys.stderr)
        return 2
