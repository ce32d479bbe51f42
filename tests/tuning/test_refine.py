"""Refine: final spaces from initial studies, deterministic, widened at bounds, keeping the
inclusions, with a reason for every range."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optbench.errors import InvalidParameterError
from optbench.tuning import load_protocol, make_sampler
from optbench.tuning.protocols import Protocol
from optbench.tuning.reachability import check_inclusions
from optbench.tuning.refine import InitialStudy, RefineRule, refine
from optbench.tuning.scales import Hyperparameter as H
from optbench.tuning.spaces import SearchSpace

FULL = load_protocol("full")
BASE_LR = 0.05


def quasirandom(optimizer: str, error, n: int = 32, space: SearchSpace | None = None):
    """An initial study of ``n`` quasi-random points of the full space (or ``space``) whose
    final validation error is ``error(point)`` (+inf: diverged)."""
    space = space or FULL.space(optimizer, BASE_LR)
    sampler = make_sampler("quasirandom", space, seed=0)
    points = [sampler(i) for i in range(n)]
    errors = [error(point) for point in points]
    return InitialStudy(space, np.array([p.unit for p in points]), np.array(errors), optimizer)


def at(space: SearchSpace, values: list[dict], errors, label: str = "") -> InitialStudy:
    """An initial study of points given by their searched values (a dimension left out sits
    at the middle of its range)."""
    unit = [
        [space.get(name).to_unit(v[name]) if name in v else 0.5 for name, _ in space.dimensions]
        for v in values
    ]
    return InitialStudy(space, np.array(unit), np.array(errors, dtype=float), label)


def bowl(centre: dict):
    """Error 0.1 plus the squared distance of the point's searched values from ``centre`` in
    their scale's coordinate (log10 x, log10(1 - x) for momentum)."""

    def coordinate(name: str, value: float) -> float:
        return math.log10(1 - value) if name == "momentum" else math.log10(value)

    def error(point):
        total = 0.0
        for name, target in centre.items():
            total += (coordinate(name, point.searched[name]) - coordinate(name, target)) ** 2
        return 0.1 + 0.01 * total

    return error


def six_studies():
    centre = {
        "sgd": {"lr": 0.3},
        "momentum": {"lr": 0.05, "momentum": 0.9},
        "nesterov": {"lr": 0.05, "momentum": 0.9},
        "rmsprop": {"lr_over_sqrt_eps": 0.1, "eps": 1e-6},
        "adam": {"lr_over_eps": 1e4, "eps": 1e-7},
        "nadam": {"lr_over_eps": 1e4, "eps": 1e-7},
    }
    return {name: quasirandom(name, bowl(c)) for name, c in centre.items()}


def test_the_same_initial_studies_give_the_same_yaml_text_and_it_loads_exactly(tmp_path):
    first = refine(six_studies(), name="full", trials=32, base_lr=BASE_LR, header=["A test."])
    again = refine(six_studies(), name="full", trials=32, base_lr=BASE_LR, header=["A test."])
    assert first.yaml == again.yaml
    path = tmp_path / "final.yaml"
    path.write_text(first.yaml)
    loaded = load_protocol(path)
    assert (loaded.name, loaded.trials, loaded.base_lr, loaded.sampler) == (
        "full", 32, BASE_LR, "quasirandom")  # fmt: skip
    for name, space in first.protocol.spaces.items():
        assert loaded.space(name, BASE_LR) == space  # the same workload: exactly these ranges
        assert loaded.space(name, 2 * BASE_LR) == space.scaled(2.0)
        for h in space.hyperparameters:
            assert f"{h.name}: {{scale: {h.scale}, low: {h.low!r}, high: {h.high!r}}}" in first.yaml
    assert first.yaml.startswith("# A test.\n# Rule: top set = the best max(3, ceil(0.2 N))")


def test_every_range_has_a_comment_with_its_reason_above_it():
    proposal = refine(six_studies(), name="full", trials=32, base_lr=BASE_LR)
    lines = proposal.yaml.splitlines()
    start = lines.index("schedule:")
    for number, line in enumerate(lines[start:], start):
        if "{scale:" in line:
            above = lines[number - 1].strip()
            assert above.startswith("#") and "span" in "\n".join(lines[number - 4 : number])
    assert len(proposal.reasons["adam"]) == 4 and set(proposal.shared_reasons) == {
        "schedule.decay_fraction", "schedule.end_factor"}  # fmt: skip


def test_the_range_is_the_top_set_span_with_its_margin_rounded_outward():
    space = FULL.space("sgd", 0.1)  # lr in [0.01, 100]: four decades
    lrs = [0.1, 0.2, 0.3, 3.0, 5.0, 0.02, 30.0, 60.0, 0.012, 10.0]
    errors = [0.10, 0.11, 0.12, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, np.inf]
    study = at(space, [{"lr": lr} for lr in lrs], errors)
    proposal = refine({"sgd": study}, name="f", trials=8, base_lr=0.1)
    lr = proposal.protocol.spaces["sgd"].get("lr")
    # top 3 = max(3, ceil(0.2 * 10)) span [0.1, 0.3]; the margin is max(0.25 * 0.48, 0.5) decades:
    # [10 ** -1.5, 10 ** (log10(0.3) + 0.5)] = [0.0316, 0.949], rounded outward to [0.031, 0.95]
    assert (lr.low, lr.high) == (0.031, 0.95)
    assert proposal.reasons["sgd"]["lr"] == (
        "top 3 of 10 points span [0.1, 0.3]; margin 0.5 decades each side"
    )
    wide = refine({"sgd": study}, name="f", trials=8, base_lr=0.1,
                  rule=RefineRule(top_fraction=0.5, min_margin_decades=0.1))  # fmt: skip
    lr = wide.protocol.spaces["sgd"].get("lr")
    # top 5 span [0.1, 5]: 1.7 decades, margin 0.25 of it = 0.42 decades each side
    assert (lr.low, lr.high) == (0.037, 14.0)


def test_a_best_point_at_a_bound_extends_the_range_past_it_within_the_valid_values():
    space = SearchSpace(
        "momentum",
        (H("lr", "log", 0.001, 10.0), H("momentum", "one_minus_log", 0.0, 0.999)),
        "linear_decay",
        (H("decay_fraction", "linear", 0.5, 1.0), H("end_factor", "log", 1e-4, 0.1)),
    )
    best = {"lr": 10.0, "momentum": 0.999, "schedule.decay_fraction": 1.0,
            "schedule.end_factor": 1e-4}  # fmt: skip
    values = [best, {**best, "lr": 5.0, "momentum": 0.99}, {**best, "lr": 8.0}]
    values += [{"lr": 0.01 * (i + 1), "momentum": 0.5} for i in range(7)]
    study = at(space, values, [0.1, 0.11, 0.12] + [0.5] * 7)
    proposal = refine({"momentum": study}, name="f", trials=8, base_lr=0.1)
    final = proposal.protocol.spaces["momentum"]
    assert final.get("lr").high == 100.0  # one decade past 10
    assert final.get("momentum").high == 0.9999  # one decade of 1 - x past 0.999, below 1
    assert final.get("schedule.end_factor").low == 1e-5
    assert final.get("schedule.decay_fraction").high == 1.0  # its largest valid value
    reasons = proposal.reasons["momentum"]
    assert "initial upper bound 10 (u = 1.000): extended 1 decade past it" in reasons["lr"]
    assert "extended 1 decade of 1 - x past it" in reasons["momentum"]
    assert "kept: 1 is the largest value decay_fraction may take" in (
        proposal.shared_reasons["schedule.decay_fraction"]
    )


def test_an_excluded_limit_is_approached_halfway_and_a_closed_one_reached():
    space = SearchSpace(
        "momentum", (H("lr", "log", 0.001, 10.0), H("momentum", "linear", 0.5, 0.99))
    )
    values = [{"momentum": m} for m in (0.99, 0.98, 0.97, 0.6, 0.55, 0.7, 0.8, 0.5)]
    study = at(space, values, [0.1, 0.11, 0.12, 0.5, 0.5, 0.5, 0.5, 0.5])
    final = refine({"momentum": study}, name="f", trials=8, base_lr=0.1).protocol
    assert final.spaces["momentum"].get("momentum").high == 0.995  # momentum < 1: halfway
    low = [{"momentum": m} for m in (0.5, 0.51, 0.52, 0.9, 0.95, 0.8, 0.85, 0.99)]
    study = at(space, low, [0.1, 0.11, 0.12, 0.5, 0.5, 0.5, 0.5, 0.5])
    final = refine({"momentum": study}, name="f", trials=8, base_lr=0.1).protocol
    assert final.spaces["momentum"].get("momentum").low == 0.37  # 0.5 - 0.25 * 0.49, rounded


def _small_eps(general: str) -> dict:
    axis = "lr_over_sqrt_eps" if general == "rmsprop" else "lr_over_eps"
    return {axis: 1e2 if general == "rmsprop" else 1e4, "eps": 1e-8}


@pytest.mark.parametrize(
    ("special", "general"), [("momentum", "adam"), ("nesterov", "nadam"), ("momentum", "rmsprop")]
)
def test_a_proposal_that_cuts_off_the_large_eps_region_gets_it_back(special, general):
    studies = {
        special: quasirandom(special, bowl({"lr": 0.05, "momentum": 0.9})),
        general: quasirandom(general, bowl(_small_eps(general))),
    }
    alone = refine({general: studies[general]}, name="f", trials=32, base_lr=BASE_LR)
    assert alone.protocol.spaces[general].get("eps").high < 0.1  # the top set's region only
    proposal = refine(studies, name="f", trials=32, base_lr=BASE_LR)
    final = proposal.protocol.spaces
    assert final[general].get("eps").high == 1.0  # up to large_eps, no further
    assert all(check.reachable for check in check_inclusions(final))
    assert final[general].get("eps").low == alone.protocol.spaces[general].get("eps").low
    why = f"so that {general} can imitate {special} ({special} ⊆ {general})"
    assert why in proposal.reasons[general]["eps"]
    lines = proposal.yaml.splitlines()
    eps_line = next(i for i, line in enumerate(lines) if line.strip().startswith("eps:")
                    and general in "".join(lines[:i]).rsplit("spaces:", 1)[1])  # fmt: skip
    comment = " ".join(line.strip("# ") for line in lines[eps_line - 4 : eps_line])
    assert f"{general} can imitate" in comment
    assert f"{special} ⊆ {general}: kept reachable" in proposal.yaml


def test_sgd_keeps_momentum_able_to_reach_zero_and_sgds_learning_rates():
    studies = {
        "sgd": quasirandom("sgd", bowl({"lr": 2.0})),
        "momentum": quasirandom("momentum", bowl({"lr": 0.01, "momentum": 0.99})),
    }
    proposal = refine(studies, name="f", trials=32, base_lr=BASE_LR)
    final = proposal.protocol.spaces
    momentum, sgd = final["momentum"], final["sgd"]
    assert momentum.get("momentum").low == 0.0
    why = "so that momentum can imitate sgd (sgd ⊆ momentum)"
    assert why in proposal.reasons["momentum"]["momentum"] and why in proposal.reasons[
        "momentum"]["lr"]  # fmt: skip
    assert momentum.get("lr").low <= sgd.get("lr").low
    assert momentum.get("lr").high >= sgd.get("lr").high
    assert all(check.reachable for check in check_inclusions(final))


def test_inclusions_broken_in_the_initial_spaces_are_reported_and_fixed_values_stay():
    lr_only = load_protocol("lr-only")
    studies = {
        name: quasirandom(name, bowl({"lr": 0.05}), space=lr_only.space(name, BASE_LR))
        for name in ("sgd", "momentum", "adam")
    }
    proposal = refine(studies, name="f", trials=32, base_lr=BASE_LR)
    adam = proposal.protocol.spaces["adam"]
    assert adam.get("eps") == H("eps", "fixed", value=1e-8)
    assert proposal.reasons["adam"]["eps"] == "fixed in the initial space"
    assert "momentum ⊆ adam: broken already in the initial spaces: " in proposal.yaml
    assert "eps: 1e-08\n" in proposal.yaml


def test_a_choice_keeps_the_values_of_its_top_set_and_one_value_is_fixed():
    space = SearchSpace(
        "adam",
        (H("lr", "log", 1e-5, 0.1), H("beta1", "choice", values=(0.0, 0.5, 0.9, 0.99)),
         H("beta2", "fixed", value=0.999), H("eps", "choice", values=(1e-8, 1.0))),  # fmt: skip
    )
    values = [{"beta1": b, "eps": 1e-8} for b in (0.9, 0.99, 0.9, 0.0, 0.5, 0.0, 0.5, 0.0)]
    study = at(space, values, [0.1, 0.11, 0.12, 0.5, 0.5, 0.5, 0.5, 0.6])
    proposal = refine({"adam": study}, name="f", trials=8, base_lr=0.1)
    final = proposal.protocol.spaces["adam"]
    assert final.get("beta1") == H("beta1", "choice", values=(0.9, 0.99))
    assert final.get("eps") == H("eps", "fixed", value=1e-8)
    assert final.get("beta2") == H("beta2", "fixed", value=0.999)
    took = "top 3 of 8 points took {0.9, 0.99} of {0, 0.5, 0.9, 0.99}"
    assert proposal.reasons["adam"]["beta1"] == took
    assert "all chose 1e-08: fixed at it" in proposal.reasons["adam"]["eps"]
    assert "beta1: {scale: choice, values: [0.9, 0.99]}" in proposal.yaml


def test_workload_hyperparameters_are_refined_from_all_top_sets_and_stay_shared(tmp_path):
    workload = (H("l2", "log", 1e-5, 1e-3), H("label_smoothing", "linear", 0.0, 0.2))
    spaces = {
        name: SearchSpace(name, FULL.space(name, 0.1).hyperparameters, workload_hyperparameters=
                          workload)  # fmt: skip
        for name in ("sgd", "momentum")
    }
    studies = {}
    for name, space in spaces.items():
        values = [{"workload.l2": 1e-5, "workload.label_smoothing": s} for s in (0.0, 0.01, 0.02)]
        values += [{"workload.l2": 1e-3, "workload.label_smoothing": 0.15}] * 7
        studies[name] = at(space, values, [0.1, 0.11, 0.12] + [0.5] * 7, name)
    proposal = refine(studies, name="f", trials=8, base_lr=0.1)
    for space in proposal.protocol.spaces.values():
        assert space.get("workload.l2") == H("l2", "log", 1e-6, 3.2e-5)  # a decade below 1e-5
        assert space.get("workload.label_smoothing").low == 0.0  # its smallest value
    assert "top 6 points of the 2 studies span [1e-05, 1e-05]" in (
        proposal.shared_reasons["workload.l2"])  # fmt: skip
    assert "\nworkload:\n" in proposal.yaml and "  l2: {scale: log, low: 1e-06" in proposal.yaml
    path = tmp_path / "final.yaml"
    path.write_text(proposal.yaml)
    assert load_protocol(path).space("sgd", 0.1) == proposal.protocol.spaces["sgd"]


def test_too_few_finished_points_are_refused_with_what_is_needed():
    seven = quasirandom("sgd", bowl({"lr": 0.3}), n=7)
    with pytest.raises(InvalidParameterError, match="expected at least 8 finished points, 3 of"):
        refine({"sgd": seven}, name="f", trials=8, base_lr=BASE_LR)
    mostly_diverged = quasirandom("sgd", lambda p: 0.1 if p.unit[0] < 0.2 else np.inf, n=10)
    assert np.isfinite(mostly_diverged.validation_error).sum() == 2
    with pytest.raises(InvalidParameterError, match="10 finished points, 2 not diverged"):
        refine({"sgd": mostly_diverged}, name="f", trials=8, base_lr=BASE_LR)


def test_studies_with_different_schedules_or_misnamed_are_refused():
    constant = quasirandom("sgd", bowl({"lr": 0.3}), space=load_protocol("lr-only").space("sgd"))
    differ = "its schedule or workload hyperparameters differ"
    with pytest.raises(InvalidParameterError, match=differ):
        refine({"sgd": constant, "momentum": quasirandom("momentum", bowl({"lr": 0.1}))},
               name="f", trials=8, base_lr=BASE_LR)  # fmt: skip
    with pytest.raises(InvalidParameterError, match="initial\\['adam'\\]"):
        refine({"adam": constant}, name="f", trials=8, base_lr=BASE_LR)


def test_the_yaml_quotes_what_yaml_would_misread_and_the_rule_checks_its_parameters():
    study = quasirandom("sgd", bowl({"lr": 0.3}))
    proposal = refine({"sgd": study}, name="yes", trials=8, base_lr=None, description="a: b")
    assert proposal.protocol.name == "yes" and proposal.protocol.description == "a: b"
    assert proposal.protocol.base_lr is None and "base_lr: null" in proposal.yaml
    assert isinstance(Protocol.from_yaml(proposal.yaml), Protocol)
    for bad in ({"top_fraction": 0.0}, {"near": 0.5}, {"min_margin_decades": 0.0},
                {"min_top": 0}, {"digits": True}):  # fmt: skip
        with pytest.raises(InvalidParameterError, match=next(iter(bad))):
            RefineRule(**bad)


def test_an_eps_floor_stays_fixed_and_the_inclusion_is_kept_through_it():
    floor = H("eps_floor", "fixed", value=1e-4)
    adam = FULL.space("adam", BASE_LR)
    adam = SearchSpace("adam", (*adam.hyperparameters, floor), adam.schedule,
                       adam.schedule_hyperparameters)  # fmt: skip
    studies = {
        "momentum": quasirandom("momentum", bowl({"lr": 0.05, "momentum": 0.9})),
        "adam": quasirandom("adam", bowl({"lr_over_eps": 10.0, "eps": 1e-6}), space=adam),
    }
    proposal = refine(studies, name="f", trials=32, base_lr=BASE_LR)
    final = proposal.protocol.spaces
    assert final["adam"].get("eps_floor") == floor and "eps_floor: 0.0001\n" in proposal.yaml
    assert final["adam"].get("eps").high == 1.0
    assert all(check.reachable for check in check_inclusions(final))
