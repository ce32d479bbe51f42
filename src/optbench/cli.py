"""The ``optbench`` command line.

Each command group is a small function that adds its subparsers and points each at a handler
``handler(args) -> int``; later groups (run, status, list, ...) plug in the same way through
:data:`COMMAND_GROUPS`. Nothing below this module reads ``sys.argv`` or global state.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from optbench import __version__
from optbench.report.command import add_report_command


def _data_fetch(args: argparse.Namespace) -> int:
    from optbench import data

    directory = data.fetch(args.name, args.root, mirror=args.mirror, progress=not args.quiet)
    print(f"{args.name}: verified, in {directory}")
    return 0


def _data_where(args: argparse.Namespace) -> int:
    from optbench import data

    files = data.locate(args.name, args.path)
    for name, path in files.items():
        print(f"{name}\t{path}")
    return 0


def _data_list(args: argparse.Namespace) -> int:
    from optbench import data

    for name in data.available():
        source = data.get_source(name)
        print(f"{name}\t{source.title}\t{source.homepage}")
    return 0


def add_data_commands(commands: argparse._SubParsersAction) -> None:
    """``optbench data fetch|where|list``."""
    group = commands.add_parser("data", help="find and download datasets")
    sub = group.add_subparsers(dest="data_command", required=True)
    fetch = sub.add_parser("fetch", help="download a dataset, verify its SHA-256, cache it")
    fetch.add_argument("name", help="dataset name, e.g. fashion_mnist (see `optbench data list`)")
    fetch.add_argument(
        "--root", help="directory to write into (default: $OPTBENCH_DATA or ~/.cache/optbench)"
    )
    fetch.add_argument("--mirror", help="base URL serving the same file names")
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")
    fetch.set_defaults(handler=_data_fetch)
    where = sub.add_parser("where", help="print where a dataset's files are found")
    where.add_argument("name")
    where.add_argument("--path", help="a directory to search first")
    where.set_defaults(handler=_data_where)
    sub.add_parser("list", help="the datasets optbench knows").set_defaults(handler=_data_list)


def add_study_commands(commands: argparse._SubParsersAction) -> None:
    from optbench.study_commands import add_study_commands as add

    add(commands)


COMMAND_GROUPS: list[Callable[[argparse._SubParsersAction], None]] = [
    add_data_commands,
    add_study_commands,
    add_report_command,
]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = argparse.ArgumentParser(prog="optbench", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"optbench {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for add in COMMAND_GROUPS:
        add(commands)
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


if __name__ == "__main__":
    sys.exit(main())
