"""``optbench report [--db DB] [--out DIR]``: write the report of every study in a store."""

from __future__ import annotations

import argparse
from pathlib import Path

from optbench.errors import InvalidParameterError
from optbench.store import DEFAULT_DATABASE


def _report(args: argparse.Namespace) -> int:
    if "://" not in args.db and not Path(args.db).is_file():
        raise InvalidParameterError("--db", args.db, "an existing study database or a URL")
    if args.n_boot < 1:
        raise InvalidParameterError("--n-boot", args.n_boot, "a positive number of resamples")
    from optbench.report.build import build_report
    from optbench.store import Store

    store = Store(args.db)
    try:
        report = build_report(
            store, args.out, n_boot=args.n_boot, seed=args.seed, figures=not args.no_figures
        )
    finally:
        store.engine.dispose()
    state = " (partial: trials still pending or running)" if report.partial else ""
    print(f"report{state}: {report.index}")
    print(
        f"  {report.summary}, {len(report.tables)} tables in {report.out / 'tables'}, "
        f"{len(report.figures)} figures (PNG and SVG) in {report.out / 'figures'}"
    )
    return 0


def add_report_command(commands: argparse._SubParsersAction) -> None:
    """Register ``optbench report``."""
    parser = commands.add_parser(
        "report",
        help="figures, tables and a self-contained HTML page from a study database",
        description="Write DIR/index.html (self-contained), DIR/summary.md, DIR/tables/*.csv "
        "and DIR/figures/*.png|svg for every study in the database; works while studies run.",
    )
    parser.add_argument(
        "--db", default=DEFAULT_DATABASE, help="SQLite file or database URL (default: %(default)s)"
    )
    parser.add_argument("--out", default="report", help="output directory (default: %(default)s)")
    parser.add_argument(
        "--n-boot",
        dest="n_boot",
        type=int,
        default=1000,
        help="bootstrap resamples per statistic (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")
    parser.add_argument(
        "--no-figures",
        dest="no_figures",
        action="store_true",
        help="tables, summary and page only (fast, for large stores)",
    )
    parser.set_defaults(handler=_report)
