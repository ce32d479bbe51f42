"""``optbench status``, ``list`` and ``export``: the commands that only read.

They open the store read-only: nothing is created or changed, a missing file is an error that
names it, and a database the user may only read can be read.
"""

from __future__ import annotations

import argparse

from optbench.cli.options import database_option
from optbench.cli.terminal import (
    FORMATS,
    console,
    optimizer_listing,
    protocol_listing,
    render,
    status_listings,
    workload_listing,
)
from optbench.store import Store
from optbench.store.export import export_csv

LISTINGS = {
    "workloads": workload_listing,
    "optimizers": optimizer_listing,
    "protocols": protocol_listing,
}


def status(args: argparse.Namespace) -> int:
    with Store(args.db, read_only=True) as store:
        render(status_listings(store), args.format, console())
    return 0


def list_things(args: argparse.Namespace) -> int:
    render([LISTINGS[args.what]()], args.format, console())
    return 0


def export(args: argparse.Namespace) -> int:
    with Store(args.db, read_only=True) as store:
        for path in export_csv(store, args.out):
            print(path)
    return 0


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="a table for people, or csv / json for scripts (default: %(default)s)",
    )


def register(commands: argparse._SubParsersAction) -> None:
    status_parser = commands.add_parser(
        "status",
        parents=[database_option()],
        help="studies, their trials by state, and the failed trials with their errors",
    )
    _format_option(status_parser)
    status_parser.set_defaults(handler=status)

    list_parser = commands.add_parser("list", help="the workloads, optimizers or protocols")
    list_parser.add_argument("what", choices=tuple(LISTINGS))
    _format_option(list_parser)
    list_parser.set_defaults(handler=list_things)

    export_parser = commands.add_parser(
        "export", parents=[database_option()], help="trials and measurements as CSV tables"
    )
    export_parser.add_argument("--out", default=".", help="directory for the CSV files")
    export_parser.set_defaults(handler=export)
