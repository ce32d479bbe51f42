"""Spaces of optimizers given by import path: from a protocol file (keyed by the path, in the
full form when they declare arguments or bounds), from a declaration, or, under a protocol that
searches the learning rate alone, the constructor's defaults with lr searched; their declared
inclusions checked for reachability and kept reachable by refine."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from optbench import optimizers
from optbench.errors import InvalidParameterError
from optbench.optimizers.declared_inclusions import parse_includes
from optbench.tuning import SearchSpace, check_inclusions, load_protocol
from optbench.tuning.declarations import OptimizerDeclaration, parse_declarations, space_for
from optbench.tuning.protocols import Protocol
from optbench.tuning.refine import InitialStudy, refine

USER = Path(__file__).parents[1] / "optimizers" / "user_optimizers.py"
QHM = optimizers.resolve(f"{USER}:QHM")
ADAMW = "torch.optim.AdamW"
FULL_FORM = f"""
name: mine
sampler: quasirandom
trials: 8
base_lr: 0.1
spaces:
  sgd:
    lr: {{scale: log, low: 0.01, high: 10.0}}
  torch.optim:AdamW:
    hyperparameters:
      lr: {{scale: log, low: 1.0e-5, high: 0.1}}
      beta1: {{scale: one_minus_log, low: 0.0, high: 0.99}}
      weight_decay: 0.0
    arguments: {{betas: [beta1, beta2]}}
    bounds: {{beta1: {{low: 0.0, high: 1.0, open_high: true}}}}
  ./{USER.name}:QHM:
    lr: {{scale: log, low: 0.01, high: 10.0}}
"""


def test_a_protocol_file_keys_spaces_by_import_path_and_declares_arguments_and_bounds():
    protocol = Protocol.from_yaml(FULL_FORM, "mine.yaml", base=str(USER.parent))
    assert list(protocol.spaces) == ["sgd", ADAMW, QHM]
    space = protocol.space("torch.optim:AdamW", base_lr=0.05)
    assert space.arguments == (("betas", ("beta1", "beta2")),)
    assert space.bounds == (("beta1", 0.0, 1.0, True),)
    point = space.decode([1.0, 0.0])  # beta1 at its top, lr at its bottom
    assert point.hyperparameters == {"lr": 5e-6, "weight_decay": 0.0, "betas": (0.99, 0.999)}
    assert point.searched == {"beta1": 0.99, "lr": 5e-6}
    assert space.get("lr").high == pytest.approx(0.05)  # scaled by base_lr as the six are
    again = SearchSpace.from_yaml(space.to_yaml())
    assert again == space and again.hash == space.hash


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("beta1: {low", "beta3: {low"), "spaces.torch.optim:AdamW.bounds.beta3='beta3' .*a "
         "hyperparameter of torch.optim.AdamW"),
        (("beta1: {scale: one_minus_log, low: 0.0, high: 0.99}", "beta1: 1.5"),
         r"spaces.torch.optim:AdamW.beta1=1.5 is invalid: expected values of beta1 in \[0, 1\)"),
        (("./user_optimizers.py:QHM", "./nowhere.py:QHM"), "an existing Python file"),
    ],
)  # fmt: skip
def test_a_bad_space_of_an_import_path_names_its_field_and_line(edit, message):
    with pytest.raises(InvalidParameterError, match=message) as caught:
        Protocol.from_yaml(FULL_FORM.replace(*edit), "mine.yaml", base=str(USER.parent))
    assert "line" in str(caught.value)


def test_under_lr_only_an_undeclared_optimizer_searches_lr_over_the_widest_range():
    protocol = load_protocol("lr-only")
    space = space_for(protocol, QHM, None, base_lr=0.1)
    (lr,) = space.hyperparameters
    assert (lr.name, lr.scale, lr.low, lr.high) == ("lr", "log", 1e-5, 100.0)  # adam's to sgd's
    assert space.schedule == "constant" and space.decode([0.5]).hyperparameters == {"lr": 10**-1.5}
    assert space_for(protocol, QHM, None, base_lr=0.05).get("lr").high == pytest.approx(50.0)
    grid = space_for(load_protocol("lr-grid"), QHM)
    assert (grid.get("lr").low, grid.get("lr").high) == (1e-5, 100.0)


def test_a_declared_space_wins_over_the_default_and_a_protocol_without_one_says_how():
    declaration = OptimizerDeclaration(QHM, "QHM", spaces=(
        ("full", SearchSpace.from_data({"optimizer": QHM, "hyperparameters": {
            "lr": {"scale": "log", "low": 0.01, "high": 1.0}, "nu": 1.0}}).hyperparameters),
    ))  # fmt: skip
    space = space_for(load_protocol("full"), QHM, declaration, base_lr=0.1)
    assert [h.name for h in space.hyperparameters] == ["lr", "nu"]
    assert space.schedule == "linear_decay" and len(space.dimensions) == 3  # lr and the schedule's
    with pytest.raises(InvalidParameterError, match=r"optimizer of protocol 'full'=.*QHM' is "
                       r"invalid: expected an optimizer protocol 'full' has a space for \(sgd, "
                       r".*\): give its space under spaces: in a protocol file, or under "
                       r"declarations: <optimizer>: spaces: <protocol>: in the experiment"):
        space_for(load_protocol("full"), QHM)


def _declared(data: dict) -> dict[str, OptimizerDeclaration]:
    return parse_declarations(data, ["sgd", "momentum", QHM])


QHM_INCLUDES = {"includes": {"sgd": {"map": {"lr": "lr", "nu": 0}},
                             "momentum": {"map": {"lr": "lr / (1 - momentum)", "beta": "momentum",
                                                  "nu": 1}}}}  # fmt: skip


def test_declared_inclusions_are_reachable_only_where_the_space_reaches_the_map():
    (declaration,) = _declared({QHM: QHM_INCLUDES}).values()
    full = load_protocol("full")
    qhm = {"lr": {"scale": "log", "low": 1e-3, "high": 1e5},
           "beta": {"scale": "one_minus_log", "low": 0.0, "high": 0.999},
           "nu": {"scale": "linear", "low": 0.0, "high": 1.0}}  # fmt: skip
    wide = SearchSpace.from_data({"optimizer": QHM, "hyperparameters": qhm})
    spaces = [full.space("sgd"), full.space("momentum"), wide]
    found = check_inclusions(spaces, declared=declaration.includes)
    checks = {(c.special, c.general): c for c in found}
    assert checks[("sgd", "QHM")].reachable and checks[("momentum", "QHM")].reachable
    narrow = SearchSpace.from_data({"optimizer": QHM, "hyperparameters": {**qhm, "lr": 0.1}})
    checks = {(c.special, c.general): c for c in check_inclusions(
        [spaces[0], spaces[1], narrow], declared=declaration.includes)}  # fmt: skip
    assert str(checks[("sgd", "QHM")]) == (
        "QHM cannot imitate sgd: lr is fixed at 0.1, not all of lr over sgd's space, [0.01, 100]"
    )
    assert "not all of lr / (1 - momentum) over momentum's space, [0.001, 1e+05]" in str(
        checks[("momentum", "QHM")])  # fmt: skip


def test_refine_keeps_a_declared_inclusion_reachable_by_widening_the_general_space():
    (declaration,) = _declared({QHM: QHM_INCLUDES}).values()
    full = load_protocol("full")
    searched = SearchSpace.from_data({"optimizer": QHM, "hyperparameters": {
        "lr": {"scale": "log", "low": 1e-3, "high": 1e5},
        "nu": {"scale": "linear", "low": 0.0, "high": 1.0},
        "beta": {"scale": "one_minus_log", "low": 0.0, "high": 0.999}}})  # fmt: skip
    qhm = dataclasses.replace(full.space("sgd"), optimizer=QHM,
                              hyperparameters=searched.hyperparameters)  # fmt: skip
    rng = np.random.default_rng(0)

    def study(space, best):  # the best points near ``best`` in every coordinate
        unit = np.clip(best + 0.05 * rng.standard_normal((12, len(space.dimensions))), 0, 1)
        return InitialStudy(space, unit, np.linspace(0.1, 0.5, 12))

    initial = {"sgd": study(full.space("sgd"), 0.5), "momentum": study(full.space("momentum"), 0.5),
               QHM: study(qhm, 0.5)}  # fmt: skip
    proposal = refine(initial, name="full", trials=8, base_lr=0.1,
                      inclusions=declaration.includes)  # fmt: skip
    final = proposal.protocol.spaces[QHM]
    assert (final.get("nu").low, final.get("nu").high) == (0.0, 1.0)  # widened to reach 0 and 1
    assert "so that QHM can imitate sgd (sgd ⊆ QHM, as declared)" in proposal.reasons[QHM]["nu"]
    lines = proposal.inclusion_lines()
    assert lines[-2:] == ["sgd ⊆ QHM: kept reachable (lr = lr, nu = 0)",
                          "momentum ⊆ QHM: kept reachable (lr = lr / (1 - momentum), beta = "
                          "momentum, nu = 1)"]  # fmt: skip


def test_declarations_need_distinct_names_and_an_importable_optimizer():
    with pytest.raises(InvalidParameterError, match=r"declarations.*\.name='sgd' is invalid: "
                       r"expected a name no other optimizer"):  # fmt: skip
        _declared({QHM: {"name": "sgd"}})
    assert list(_declared({ADAMW: {"name": "W"}, QHM: {}})) == [QHM]  # not compared: left out
    with pytest.raises(InvalidParameterError, match="declarations.nowhere.X='nowhere.X'"):
        _declared({"nowhere.X": {}})
    with pytest.raises(InvalidParameterError, match="declarations.sgd='sgd' .*import path"):
        _declared({"sgd": {}})
    assert parse_declarations({}, [QHM])[QHM].name == "QHM"
    with pytest.raises(InvalidParameterError, match=r"declarations.*\.spaces.full.lr.low"):
        _declared({QHM: {"spaces": {"full": {"lr": {"scale": "log", "low": -1, "high": 1}}}}})


def test_an_include_of_another_user_optimizer_takes_its_name_and_arguments():
    declared = parse_declarations(
        {QHM: {"includes": {ADAMW: {"map": {"lr": "lr", "nu": 0}}}},
         ADAMW: {"name": "W", "arguments": {"betas": ["beta1", "beta2"]}}},
        [ADAMW, QHM],
    )  # fmt: skip
    (inclusion,) = declared[QHM].includes
    assert inclusion.pair == "W ⊆ QHM" and inclusion.special_arguments == declared[ADAMW].arguments
    assert parse_includes(QHM, {ADAMW: {"map": {"nu": 0}}})[0].special_name == "AdamW"
