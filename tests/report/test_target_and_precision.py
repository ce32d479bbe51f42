"""What a target is a value of, and numeric precision, through the report: a loss target is
counted on the validation-loss curves and written as a loss; studies at different precisions
are compared apart and never supersede one another."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from optbench.report import build_report
from optbench.report.data import load_studies
from optbench.report.groups import group_studies
from optbench.store import TrialState

#: A cross entropy the synthetic curves (validation loss = 3 x validation error, from 2.7
#: down to about 0.3) reach after about a quarter of the budget.
LOSS_TARGET = 0.75


def _csv(report, name: str) -> list[dict]:
    with report.tables[name].open() as handle:
        return list(csv.DictReader(handle))


def _first_steps(store, study_id: int, metric: str, target: float) -> list[float]:
    """Per finished trial, the first evaluated step whose ``metric`` is <= ``target``
    (+inf when never or when the trial diverged), read straight from the store's rows."""
    curves: dict[int, list[tuple[int, float]]] = {}
    for row in store.measurements(study_id):
        if row.metric == metric:
            curves.setdefault(row.trial_id, []).append((row.step, row.value))
    steps = []
    for trial in store.trials(study_id):
        if trial.state not in (TrialState.DONE, TrialState.DIVERGED):
            continue
        hits = [s for s, v in sorted(curves.get(trial.id, [])) if v <= target]
        reached = hits and trial.state == TrialState.DONE
        steps.append(float(hits[0]) if reached else math.inf)
    return steps


@pytest.fixture(scope="module")
def loss_target(store_builder, tmp_path_factory):
    """A report whose workload's target is a validation loss of 0.75 nats, with figures."""
    directory = tmp_path_factory.mktemp("loss_target")
    store = store_builder(
        directory / "studies.db",
        protocol_names=("full",),
        optimizers=("sgd", "adam"),
        trials=8,
        target=LOSS_TARGET,
        target_metric="validation_loss",
        eval_every=50,
    )
    yield store, build_report(store, directory / "report", n_boot=100)
    store.engine.dispose()


def test_steps_to_a_loss_target_count_on_the_validation_loss(loss_target):
    store, report = loss_target
    rows = {
        r["optimizer"]: r for r in _csv(report, "rankings") if r["criterion"] == "steps_to_target"
    }
    for study_id, spec in store.studies():
        on_loss = _first_steps(store, study_id, "validation_loss", LOSS_TARGET)
        on_error = _first_steps(store, study_id, "validation_error", LOSS_TARGET)
        assert float(rows[spec.optimizer]["best"]) == min(on_loss)
        assert min(on_error) < min(on_loss)  # the error curve would give another answer


def test_the_target_sweep_of_a_loss_runs_past_one(loss_target):
    store, report = loss_target
    sweep = [float(r["target"]) for r in _csv(report, "steps_to_target") if r["optimizer"] == "sgd"]
    losses = [
        c["validation_loss"].values
        for study in load_studies(store)
        for c, diverged in zip(study.curves, study.diverged, strict=True)
        if not diverged
    ]
    assert sweep[0] == pytest.approx(float(np.min(np.concatenate(losses))))
    assert sweep[-1] == pytest.approx(1.5 * LOSS_TARGET)  # 1.125: an error rate stops at 1


def test_a_loss_target_is_written_as_a_loss_everywhere(loss_target):
    _, report = loss_target
    summary = report.summary.read_text()
    assert "target: 0.75 validation loss (nats)." in summary
    assert "| steps to 0.75 validation loss (nats) |" in summary
    assert "% validation error" not in summary
    assert {r["target_metric"] for r in _csv(report, "studies")} == {"validation_loss"}
    page = report.index.read_text()
    assert "target: 0.75 validation loss (nats)." in page
    figures = {f.stem.split("--")[0]: f for f in report.figures}
    assert figures["steps-to-target"].title.endswith("steps to 0.75 validation loss (nats)")
    assert "For each target validation loss" in figures["target-sweep"].caption
    assert "validation loss of each optimizer's best trial" in figures["training-curves"].caption


def test_an_error_target_is_written_in_percent(make_store, tmp_path):
    store = make_store(protocol_names=("lr-only",), optimizers=("sgd",), trials=4, target=0.066)
    report = build_report(store, tmp_path / "report", n_boot=50, figures=False)
    assert "target: 6.6 % validation error." in report.summary.read_text()
    assert {r["target_metric"] for r in _csv(report, "studies")} == {"validation_error"}


@pytest.fixture
def two_precisions(store_builder, tmp_path):
    """The same (workload, protocol, optimizer) triples in bfloat16 (4 points each), then,
    newer, in float32 (6 points each)."""
    options = {"protocol_names": ("lr-only",), "optimizers": ("sgd", "adam")}
    older = store_builder(tmp_path / "studies.db", trials=4, precision="bfloat16", **options)
    newer = store_builder(
        tmp_path / "studies.db", trials=6, version=1, precision="float32", **options
    )
    yield newer
    older.engine.dispose()
    newer.engine.dispose()


def test_studies_at_other_precisions_are_compared_apart(two_precisions):
    workloads = group_studies(load_studies(two_precisions))
    assert list(workloads) == ["fmnist_mlp", "fmnist_mlp (bfloat16)"]
    expected = {"fmnist_mlp": ("float32", 6), "fmnist_mlp (bfloat16)": ("bfloat16", 4)}
    for name, (precision, points) in expected.items():
        assert (workloads[name].workload, workloads[name].precision) == ("fmnist_mlp", precision)
        group = workloads[name].groups["lr-only"]
        assert group.precision == precision and group.setting == name
        assert {s.precision for s in group.studies.values()} == {precision}
        assert {s.n_points for s in group.studies.values()} == {points}


def test_a_float32_study_never_supersedes_a_bfloat16_one(two_precisions, tmp_path):
    report = build_report(two_precisions, tmp_path / "report", n_boot=50, figures=False)
    studies = _csv(report, "studies")
    assert {(r["optimizer"], r["precision"], r["status"]) for r in studies} == {
        ("sgd", "bfloat16", "compared"),
        ("adam", "bfloat16", "compared"),
        ("sgd", "float32", "compared"),
        ("adam", "float32", "compared"),
    }
    ranks = [r for r in _csv(report, "rankings") if r["criterion"] == "validation_error"]
    assert {(r["precision"], r["optimizer"], r["n_points"]) for r in ranks} == {
        ("bfloat16", "sgd", "4"),
        ("bfloat16", "adam", "4"),
        ("float32", "sgd", "6"),
        ("float32", "adam", "6"),
    }
    assert {r["workload"] for r in ranks} == {"fmnist_mlp"}


def test_the_precision_is_shown_in_headings_and_the_studies_table(two_precisions, tmp_path):
    report = build_report(two_precisions, tmp_path / "report", n_boot=50, figures=False)
    summary = report.summary.read_text()
    assert "### fmnist_mlp (bfloat16) under lr-only" in summary
    assert "### fmnist_mlp under lr-only" in summary  # float32, the default, unmarked
    assert "| id | workload | precision | protocol |" in summary
    assert "| 1 | fmnist_mlp | bfloat16 | lr-only | sgd |" in summary
    page = report.index.read_text()
    assert "<h3 id='fmnist_mlp (bfloat16)--lr-only'>fmnist_mlp (bfloat16) under lr-only" in page
    assert "fmnist_mlp / sgd / lr-only / bfloat16 (study 1, compared)" in page
