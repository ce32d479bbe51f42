"""``optbench refine``: the final search spaces of a comparison, proposed from its initial
studies in a store (docs/protocols.md, "Two stages").

    optbench refine --db optbench.db --workload fmnist_mlp_cpu --protocol full --out final.yaml
    optbench refine --db optbench.db --study 1 2 3 --out final.yaml --name full-fmnist

It reads the database only and writes the protocol YAML to ``--out``: loaded for the same
workload (``--protocol final.yaml``), it gives exactly the proposed ranges.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from optbench.cli.options import database_option
from optbench.errors import InvalidParameterError, check_int
from optbench.store import Store
from optbench.study.plan import INITIAL_SUFFIX
from optbench.study.stages import refine_studies


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _chosen(store: Store, args: argparse.Namespace) -> tuple[list[int], str]:
    """The study ids to refine and the protocol they were run under."""
    specs = dict(store.studies())
    if args.study:
        for study_id in args.study:
            if study_id not in specs:
                raise InvalidParameterError("--study", study_id, f"a study id of {store.shown}")
        return list(args.study), specs[args.study[0]].protocol
    matching = {
        study_id: spec
        for study_id, spec in specs.items()
        if spec.workload == args.workload and spec.protocol == args.protocol
    }
    if not matching:
        known = sorted({f"{s.workload} / {s.protocol}" for s in specs.values()}) or ["none"]
        raise InvalidParameterError(
            "--workload/--protocol", f"{args.workload} / {args.protocol}",
            f"a workload and protocol of studies in {store.shown}: {', '.join(known)}",
        )  # fmt: skip
    newest = {spec.optimizer: study_id for study_id, spec in sorted(matching.items())}
    wanted = _split(args.optimizers) if args.optimizers else list(newest)
    for name in wanted:
        if name not in newest:
            raise InvalidParameterError("--optimizers", name, f"one of {', '.join(newest)}")
    return [newest[name] for name in wanted], args.protocol


def refine(args: argparse.Namespace) -> int:
    if bool(args.study) == bool(args.workload and args.protocol) or (
        args.study and (args.workload or args.protocol)
    ):
        given = {"--study": args.study, "--workload": args.workload, "--protocol": args.protocol}
        shown = {flag: value for flag, value in given.items() if value}
        raise InvalidParameterError(
            "studies", shown or None, "either --study IDS or both --workload and --protocol"
        )
    check_int("--trials", args.trials, 1, optional=True)
    out = Path(args.out)
    if out.is_dir():
        raise InvalidParameterError("--out", args.out, "a file path (this is a directory)")
    with Store(args.db, read_only=True) as store:
        study_ids, protocol = _chosen(store, args)
        initial = protocol.endswith(INITIAL_SUFFIX)
        name = args.name or (protocol[: -len(INITIAL_SUFFIX)] if initial else f"{protocol}-final")
        proposal = refine_studies(store, study_ids, name=name, trials=args.trials)
    out.write_text(proposal.yaml)
    print(proposal.summary())
    print(f"final protocol: {out}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "refine",
        parents=[database_option()],
        help="propose final search spaces from initial studies (the paper's second stage)",
        description="Propose the final search space of each optimizer from its initial study: "
        "the region of its best trials, widened near a bound, keeping every inclusion the "
        "initial spaces keep reachable. Writes a protocol YAML with the reason for every "
        "range; reads the database only.",
    )
    parser.add_argument("--study", type=int, nargs="+", help="initial study ids, one per optimizer")
    parser.add_argument("--workload", help="the workload of the initial studies")
    parser.add_argument("--protocol", help="the protocol the initial studies ran under")
    parser.add_argument("--optimizers", help="only these optimizers, comma-separated")
    parser.add_argument("--out", required=True, help="the protocol YAML to write")
    parser.add_argument(
        "--name", help="the final protocol's name (default: the protocol without -initial, "
        "or with -final)"
    )  # fmt: skip
    parser.add_argument(
        "--trials", type=int, help="the final protocol's trials (default: as the initial)"
    )
    parser.set_defaults(handler=refine)
