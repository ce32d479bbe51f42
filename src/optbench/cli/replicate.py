"""``optbench replicate``: more seeds at the best points of studies, run by the next
``optbench run`` (or ``worker``) of those studies.

    optbench replicate --db optbench.db --workload fmnist_mlp_cpu --protocol full --best 5 --seeds 4
"""

from __future__ import annotations

import argparse

from optbench.cli.options import database_option, integer
from optbench.errors import InvalidParameterError, check_int
from optbench.limits import MAX_SEEDS
from optbench.store import Store
from optbench.study.replicates import best_points, replicate_best


def _studies(store: Store, args: argparse.Namespace) -> list[int]:
    specs = dict(store.studies())
    chosen = [
        study_id
        for study_id, spec in specs.items()
        if (args.study is None or study_id in args.study)
        and (args.workload is None or spec.workload == args.workload)
        and (args.protocol is None or spec.protocol == args.protocol)
    ]
    if not chosen:
        given = {"--study": args.study, "--workload": args.workload, "--protocol": args.protocol}
        shown = {flag: value for flag, value in given.items() if value is not None}
        raise InvalidParameterError(
            "/".join(shown) or "--study", shown, f"studies of {store.shown}: none matches"
        )
    return chosen


def replicate(args: argparse.Namespace) -> int:
    for study_id in args.study or ():
        check_int("--study", study_id, 1)
    check_int("--best", args.best, 1)
    check_int("--seeds", args.seeds, 2, MAX_SEEDS)
    with Store(args.db, read_only=True) as store:
        chosen = _studies(store, args)
        names = {study_id: spec.name for study_id, spec in store.studies()}
    with Store(args.db) as store:
        for study_id in chosen:
            added = replicate_best(store, study_id, args.best, args.seeds)
            points = best_points(store, study_id, args.best)
            print(f"{names[study_id]}: points {points}, {added} trials added")
    print("run the same experiment (optbench run) or a worker to train them")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "replicate",
        parents=[database_option()],
        help="more seeds at the best points of studies (seed noise vs search noise)",
    )
    parser.add_argument("--study", type=integer, action="append", help="a study id (repeatable)")
    parser.add_argument("--workload", help="the studies of this workload")
    parser.add_argument("--protocol", help="the studies of this protocol")
    parser.add_argument("--best", type=integer, default=5, help="how many best points (5)")
    parser.add_argument("--seeds", type=integer, default=4, help="seeds in all per point (4)")
    parser.set_defaults(handler=replicate)
