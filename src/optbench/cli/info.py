"""``optbench status``, ``list`` and ``export``: the commands that only read."""

from __future__ import annotations

import argparse

from rich.console import Console

from optbench.cli.options import database_option
from optbench.cli.terminal import optimizer_table, status_table, workload_table
from optbench.store import Store
from optbench.store.export import export_csv
from optbench.tuning import protocols


def status(args: argparse.Namespace) -> int:
    Console().print(status_table(Store(args.db)))
    return 0


def list_things(args: argparse.Namespace) -> int:
    console = Console()
    if args.what == "workloads":
        console.print(workload_table())
    elif args.what == "optimizers":
        console.print(optimizer_table())
    else:
        console.print(protocols.describe_protocols())
    return 0


def export(args: argparse.Namespace) -> int:
    for path in export_csv(Store(args.db), args.out):
        print(path)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    status_parser = commands.add_parser(
        "status", parents=[database_option()], help="studies and their trials by state"
    )
    status_parser.set_defaults(handler=status)

    list_parser = commands.add_parser("list", help="what optbench knows")
    list_parser.add_argument("what", choices=("workloads", "optimizers", "protocols"))
    list_parser.set_defaults(handler=list_things)

    export_parser = commands.add_parser(
        "export", parents=[database_option()], help="trials and measurements as tables"
    )
    export_parser.add_argument("--format", choices=("csv",), default="csv")
    export_parser.add_argument("--out", default=".", help="directory for the CSV files")
    export_parser.set_defaults(handler=export)
