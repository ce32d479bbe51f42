"""``optbench data fetch|where|list``: find and download datasets."""

from __future__ import annotations

import argparse
import sys

from optbench import data


def fetch(args: argparse.Namespace) -> int:
    try:
        directory = data.fetch(
            args.name,
            args.root,
            mirror=args.mirror,
            progress=not args.quiet,
            timeout=args.timeout,
            deadline=args.deadline,
        )
    except KeyboardInterrupt:
        print("interrupted: the file being downloaded was not kept", file=sys.stderr)
        return 130
    print(f"{args.name}: verified, in {directory}")
    return 0


def seconds(text: str) -> float | str:
    """The argparse type of a duration flag: ``text`` as a float when it spells one, else
    ``text`` unchanged, for the download's own check to refuse in one line."""
    try:
        return float(text)
    except ValueError:
        return text


def where(args: argparse.Namespace) -> int:
    for name, path in data.check_dataset(args.name, args.path).items():
        print(f"{name}\t{path}")
    return 0


def list_datasets(args: argparse.Namespace) -> int:
    for name in data.available():
        source = data.get_source(name)
        print(f"{name}\t{source.title}\t{source.homepage}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("data", help="find and download datasets")
    sub = group.add_subparsers(dest="data_command", required=True)
    fetch_parser = sub.add_parser("fetch", help="download a dataset, verify its SHA-256, cache it")
    fetch_parser.add_argument("name", help="dataset name, e.g. fashion_mnist (optbench data list)")
    fetch_parser.add_argument(
        "--root", help="directory to write into (default: $OPTBENCH_DATA or ~/.cache/optbench)"
    )
    fetch_parser.add_argument("--mirror", help="base URL serving the same file names")
    fetch_parser.add_argument("--quiet", action="store_true", help="no progress bar")
    fetch_parser.add_argument(
        "--timeout",
        type=seconds,
        default=data.STALL_TIMEOUT,
        help="give up when no byte comes for this many seconds (default: %(default)g)",
    )
    fetch_parser.add_argument(
        "--deadline",
        type=seconds,
        help="give up when a file is not complete after this many seconds (default: 1800, "
        "or the time a larger file takes at 256 KiB/s)",
    )
    fetch_parser.set_defaults(handler=fetch)
    where_parser = sub.add_parser(
        "where", help="print where a dataset's files are found, after checking their format"
    )
    where_parser.add_argument("name")
    where_parser.add_argument("--path", help="the directory (or file) to use, and no other")
    where_parser.set_defaults(handler=where)
    sub.add_parser("list", help="the datasets optbench knows").set_defaults(handler=list_datasets)
