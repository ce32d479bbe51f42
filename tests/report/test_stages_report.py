"""The report of a two-stage protocol: both stages' spaces and best points, the best initial
trial against the best final one, and the initial stage kept out of the protocol comparison."""

from __future__ import annotations

import csv
import dataclasses
import re

import pytest

from optbench.report import build_report
from optbench.report.data import load_studies
from optbench.report.groups import group_studies
from optbench.report.results import workload_result
from optbench.store import Store
from optbench.study import experiment, stages
from optbench.study.plan import plan_study, store_study

EXPERIMENT = {
    "workloads": ["fmnist_mlp_cpu"],
    "optimizers": ["sgd", "momentum"],
    "protocols": ["lr-only", "full"],
    "two_stage": ["full"],
    "initial_trials": 10,
    "trials": 6,
    "budget": 20,
    "eval_every": 10,
}


def _bowl(unit) -> float:
    return 0.1 + sum((u - 0.3) ** 2 for u in unit)


def _two_stage_store(path, fill_study, final_error=_bowl, edit=None) -> Store:
    """lr-only studies and a two-stage full protocol of sgd and momentum, synthetic results;
    ``edit(yaml)`` changes the final protocol before the final studies are planned."""
    store = Store(str(path))
    spec = experiment.from_data(EXPERIMENT)
    initial = []
    for plan in spec.plans():
        planned = plan_study(plan)
        study_id = store_study(store, planned)
        fill_study(store, study_id, _bowl)
        initial.append(stages.Stored(plan, study_id, planned.spec.key))
    (group,) = stages.initial_groups(initial)
    final = stages.final_stage(store, group, trials=6, max_attempts=3)
    for plan in final.plans:
        if edit is not None:
            stage = dataclasses.replace(plan.stage, final_yaml=edit(plan.stage.final_yaml))
            plan = dataclasses.replace(plan, stage=stage)
        fill_study(store, store_study(store, plan_study(plan)), final_error)
    return store


def _csv(report, name) -> list[dict]:
    with report.tables[name].open() as handle:
        return list(csv.DictReader(handle))


def test_the_report_shows_both_stages_and_compares_protocols_through_the_final_one(
    tmp_path, fill_study
):
    store = _two_stage_store(tmp_path / "s.db", fill_study)
    studies = load_studies(store)
    workloads = group_studies(studies)
    workload = workloads["fmnist_mlp_cpu"]
    assert list(workload.groups) == ["lr-only", "full"]
    assert [s.spec.protocol for s in workload.initial] == ["full-initial"] * 2
    result = workload_result(workload, n_boot=50)
    assert [(c.first_protocol, c.second_protocol) for c in result.comparisons] == [
        ("lr-only", "full")]  # fmt: skip
    assert result.groups["lr-only"].stages is None
    two = result.groups["full"].stages
    assert list(two.optimizers) == ["sgd", "momentum"]
    for c in two.optimizers.values():
        assert c.initial.spec.protocol == "full-initial" and c.final.spec.protocol == "full"
        assert c.initial_best.value == min(c.initial.final["validation_error"])
        assert c.final_best.value == min(c.final.final["validation_error"])
        assert c.initial_best_inside is True
        assert [r.dimension for r in c.spaces][-2:] == ["schedule.decay_fraction",
                                                          "schedule.end_factor"]  # fmt: skip
        assert all(r.reason for r in c.spaces)

    report = build_report(store, tmp_path / "report", n_boot=50, figures=False)
    rows = _csv(report, "stages")
    assert [(r["optimizer"], r["initial_study_id"], r["final_study_id"]) for r in rows] == [
        ("sgd", "3", "5"), ("momentum", "4", "6")]  # fmt: skip
    for row in rows:
        c = two.optimizers[row["optimizer"]]
        assert float(row["initial_best_validation_error"]) == c.initial_best.value
        assert float(row["final_best_validation_error"]) == c.final_best.value
        assert row["final_at_least_as_good"] == str(c.final_as_good).lower()
    spaces = _csv(report, "stage_spaces")
    momentum = {r["hyperparameter"]: r for r in spaces if r["optimizer"] == "momentum"}
    assert momentum["momentum"]["initial_range"] == "[0, 0.999]"
    assert momentum["lr"]["reason"].startswith("top 3 of 10 points span [")
    status = {(r["protocol"], r["optimizer"]): r["status"] for r in _csv(report, "studies")}
    assert status[("full-initial", "sgd")] == "initial stage"
    assert status[("full", "sgd")] == "compared"
    summary = report.summary.read_text()
    section = summary.split("### fmnist_mlp_cpu under full")[1]
    assert "Two stages: initial studies (full-initial), refined into the final spaces" in section
    assert "| sgd | 3 | 10 |" in section and "| momentum | lr | [0.0005, 50] |" in section
    assert "lr-only → full" in summary and "full-initial →" not in summary
    page = report.index.read_text()
    assert "Two stages: the initial studies (full-initial)" in page
    assert "initial stage of the two-stage protocol full" in page
    store.close()


@pytest.mark.parametrize("cut_off", [False, True])
def test_a_worse_final_stage_is_said_in_words_with_whether_the_narrowing_cut_it_off(
    tmp_path, fill_study, cut_off
):
    def narrow_sgd(text: str) -> str:  # sgd's final lr far above every initial point
        return re.sub(r"(  sgd:\n(?:    #.*\n)*    lr: )\{[^}]*\}",
                      r"\1{scale: log, low: 90.0, high: 100.0}", text)  # fmt: skip

    store = _two_stage_store(tmp_path / "s.db", fill_study, lambda unit: _bowl(unit) + 0.5,
                             edit=narrow_sgd if cut_off else None)  # fmt: skip
    report = build_report(store, tmp_path / "report", n_boot=50, figures=False)
    summary = report.summary.read_text()
    lines = [line for line in summary.splitlines() if line.startswith("- sgd: best final")]
    assert len(lines) == 1 and "is WORSE than best initial" in lines[0]
    if cut_off:
        assert "does not contain the best initial point: the narrowing cut it off" in lines[0]
    else:
        assert "although the final space contains the best initial point" in lines[0]
    rows = {r["optimizer"]: r for r in _csv(report, "stages")}
    assert rows["sgd"]["final_at_least_as_good"] == "false"
    assert rows["sgd"]["initial_best_inside_final"] == str(not cut_off).lower()
    assert "<td class='NO'>NO</td>" in report.index.read_text()
    store.close()
