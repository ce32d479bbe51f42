"""``optbench check optimizer PATH`` and ``optbench check workload PATH``: run a user's part
through what the comparison relies on, one line per property (``ok`` or ``FAIL`` and why).

    optbench check optimizer torch.optim.AdamW
    optbench check optimizer ./qhm.py:QHM --experiment experiment.yaml
    optbench check workload ./tasks.py:my_workload --data-path data/

With ``--experiment``, an optimizer's declared inclusions are checked too, and whether each
protocol's spaces of the experiment can reach them is said (an information: a protocol that
fixes a hyperparameter can leave an inclusion out of reach on purpose). The status is 0 when
every property holds, 1 when one does not, 2 for a path or file that cannot be used.
"""

from __future__ import annotations

import argparse

from optbench.cli.options import integer
from optbench.errors import InvalidParameterError, check_int, check_positive, is_finite, raised
from optbench.optimizers.conformance import PropertyResult


def _hparams(text: str | None) -> dict[str, float]:
    """``lr=0.1,momentum=0.9`` as numbers."""
    found = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        name, _, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = None
        if not name.strip().isidentifier() or not is_finite(number):
            raise InvalidParameterError("--hparams", item, "NAME=NUMBER items, comma-separated")
        found[name.strip()] = number
    return found


def _report(results: list[PropertyResult]) -> int:
    for result in results:
        print(result.line())
    held = sum(r.holds for r in results)
    print(f"{held} of {len(results)} properties hold")
    return 0 if held == len(results) else 1


def _declared(optimizer: str, path: str | None):
    """The experiment at ``path``, and its declaration of ``optimizer`` (None without one)."""
    if path is None:
        return None, None
    from optbench.study import experiment

    spec = experiment.load(path)
    if optimizer not in spec.optimizers:
        expected = f"an optimizer of {path}: {', '.join(spec.optimizers)}"
        raise InvalidParameterError("optimizer", optimizer, expected)
    return spec, spec.declarations.get(optimizer)


def _reachability(spec, declaration) -> list[str]:
    """One line per protocol of the experiment and inclusion the optimizer declares."""
    from optbench.tuning import check_inclusions, protocols
    from optbench.tuning.declarations import space_for

    pairs = {(i.special_name, i.general_name) for i in declaration.includes}
    lines = []
    for name in spec.protocols:
        protocol = protocols.load_protocol(name)
        spaces = [space_for(protocol, o, spec.declarations.get(o)) for o in spec.optimizers]
        for check in check_inclusions(spaces, declared=declaration.includes):
            if (check.special, check.general) in pairs:
                lines.append(f"under {protocol.name}: {check}")
    return lines


def _constructible(optimizer: str, arguments: dict, given: str | None) -> None:
    """Bad input, not a failed property: the optimizer cannot be built at ``arguments``."""
    import torch

    from optbench import optimizers

    try:
        optimizers.create(optimizer, [torch.zeros(2, requires_grad=True)], **arguments)
    except InvalidParameterError:
        raise  # ours, naming the hyperparameter
    except Exception as error:  # the constructor's own check
        shown = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
        expected = (f"arguments {optimizer} accepts (at {shown}: its constructor raised "
                    f"{raised(error)})")  # fmt: skip
        raise InvalidParameterError("--hparams", given or "its defaults", expected) from error


def check_optimizer_command(args: argparse.Namespace) -> int:
    from optbench import optimizers
    from optbench.optimizers.conformance import check_optimizer, probe_arguments

    optimizer = optimizers.resolve(args.path)
    spec, declaration = _declared(optimizer, args.experiment)
    hparams = _hparams(args.hparams)
    arguments = probe_arguments(optimizer, hparams)
    _constructible(optimizer, arguments, args.hparams)
    shown = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
    name = declaration.name if declaration is not None else optimizers.display_name(optimizer)
    print(f"optimizer {optimizer} ({name}) at {shown or 'no hyperparameters'}")
    includes = declaration.includes if declaration is not None else ()
    status = _report(check_optimizer(optimizer, hparams, includes))
    if includes:
        for line in _reachability(spec, declaration):
            print(f"reachability {line}")
    return status


def check_workload_command(args: argparse.Namespace) -> int:
    from optbench.study.experiment import check_data_path
    from optbench.workloads import spec_of
    from optbench.workloads.conformance import workload_properties

    check_int("--steps", args.steps, 3, 100_000)
    check_positive("--lr", args.lr)
    check_data_path(args.data_path)
    spec = spec_of(args.path)
    print(f"workload {spec.name}: batch {spec.batch_size}, budget {spec.budget}, "
          f"base_lr {spec.base_lr:g}")  # fmt: skip
    return _report(workload_properties(spec, args.data_path, args.steps, args.lr))


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "check", help="check a user's optimizer or workload: the properties a comparison needs"
    )
    kinds = parser.add_subparsers(dest="kind", required=True)
    optimizer = kinds.add_parser(
        "optimizer", help="state_dict, param groups, lr changes, dtypes, zero_grad, closure, "
        "seeds and declared inclusions",
    )  # fmt: skip
    optimizer.add_argument("path", help="a name or import path (torch.optim.AdamW, ./lion.py:Lion)")
    optimizer.add_argument("--experiment", help="an experiment file that declares the optimizer")
    optimizer.add_argument(
        "--hparams", help="constructor arguments to run it at, NAME=NUMBER comma-separated "
        "(default: the constructor's defaults; lr 0.05 and momentum 0.9 where it has none)",
    )  # fmt: skip
    optimizer.set_defaults(handler=check_optimizer_command)
    workload = kinds.add_parser("workload", help="builds, seeded, trains and evaluates")
    workload.add_argument("path", help="a name or import path (./tasks.py:my_workload)")
    workload.add_argument("--data-path", dest="data_path", help="where the dataset is")
    workload.add_argument("--steps", type=integer, default=30, help="Adam steps (default: 30)")
    workload.add_argument("--lr", type=float, default=1e-3, help="Adam's lr (default: 0.001)")
    workload.set_defaults(handler=check_workload_command)
