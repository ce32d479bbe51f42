"""``optbench report [--db DB] [--out DIR]``: write the report of every study in a store."""

from __future__ import annotations

import argparse
from pathlib import Path

from optbench.cli.options import database_option, integer
from optbench.errors import InvalidParameterError, check_int
from optbench.limits import MAX_RESAMPLES


def report(args: argparse.Namespace) -> int:
    check_int("--n-boot", args.n_boot, 1, MAX_RESAMPLES)
    check_int("--seed", args.seed)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InvalidParameterError("--out", args.out, "a directory (this is a file)")
    from optbench.report.build import build_report  # matplotlib: only when a report is drawn
    from optbench.store import Store

    with Store(args.db, read_only=True) as store:
        written = build_report(
            store, args.out, n_boot=args.n_boot, seed=args.seed, figures=not args.no_figures
        )
    if written.digest:
        print("\n".join(written.digest), end="\n\n")
    state = " (partial: trials still pending or running)" if written.partial else ""
    print(f"report{state}: {written.index}")
    print(f"  {written.summary}, {len(written.tables)} tables in {written.out / 'tables'},")
    print(f"  {len(written.figures)} figures (PNG and SVG) in {written.out / 'figures'}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "report",
        parents=[database_option()],
        help="figures, tables and a self-contained HTML page from a study database",
        description="Write DIR/index.html (self-contained), DIR/summary.md, DIR/tables/*.csv "
        "and DIR/figures/*.png|svg for every study in the database; works while studies run.",
    )
    parser.add_argument("--out", default="report", help="output directory (default: %(default)s)")
    parser.add_argument(
        "--n-boot",
        dest="n_boot",
        type=integer,
        default=1000,
        help="bootstrap resamples per statistic (default: %(default)s)",
    )
    parser.add_argument("--seed", type=integer, default=0, help="bootstrap seed (default: 0)")
    parser.add_argument(
        "--no-figures",
        dest="no_figures",
        action="store_true",
        help="tables, summary and page only (fast, for large stores)",
    )
    parser.set_defaults(handler=report)
