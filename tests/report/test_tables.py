"""The report's numbers: the CSV tables and summary.md against the analysis functions run
directly on arrays read from the store; partial studies; several workloads at once."""

from __future__ import annotations

import csv
import math
from dataclasses import fields

import numpy as np
import pytest

from optbench import analysis
from optbench.report import build_report
from optbench.report.data import FINAL_METRICS, load_studies
from optbench.report.groups import group_studies
from optbench.report.results import WorkloadResult, workload_result
from optbench.store import TrialState


def _csv(report, name: str) -> list[dict]:
    with report.tables[name].open() as handle:
        return list(csv.DictReader(handle))


def _rows(report, name: str, **match: str) -> list[dict]:
    """The rows of table ``name`` whose columns hold the values of ``match``."""
    return [r for r in _csv(report, name) if all(r[k] == v for k, v in match.items())]


def _same(cell: str, value: object) -> bool:
    """The CSV cell ``cell`` states ``value``: a name, a flag or a number."""
    if isinstance(value, str):
        return cell == value
    if isinstance(value, (bool, np.bool_)):
        return cell == ("true" if value else "false")
    return float(cell) == float(value)


def _results(store, n_boot: int) -> dict[str, WorkloadResult]:
    """The report's statistics, computed again from the store as ``build_report`` does."""
    workloads = group_studies(load_studies(store))
    return {name: workload_result(w, n_boot=n_boot) for name, w in workloads.items()}


def _arrays(store, study_id: int) -> dict[str, np.ndarray]:
    """Final metrics per point straight from the store rows (one seed per point)."""
    trials = [
        t for t in store.trials(study_id) if t.state in (TrialState.DONE, TrialState.DIVERGED)
    ]
    rows: dict[int, dict[str, tuple[int, float]]] = {}
    for m in store.measurements(study_id):
        seen = rows.setdefault(m.trial_id, {})
        if m.metric not in seen or m.step > seen[m.metric][0]:
            seen[m.metric] = (m.step, math.nan if m.value is None else m.value)
    out = {}
    for metric in ("validation_error", "test_error", "train_loss"):
        out[metric] = np.array(
            [math.inf if t.state == TrialState.DIVERGED else rows[t.id][metric][1] for t in trials]
        )
    return out


@pytest.fixture(scope="module")
def built(store_builder, tmp_path_factory):
    directory = tmp_path_factory.mktemp("tables")
    store = store_builder(
        directory / "studies.db",
        protocol_names=("lr-only", "full"),
        optimizers=("sgd", "momentum", "adam"),
        trials=10,
    )
    yield store, build_report(store, directory / "report", n_boot=200, figures=False)
    store.engine.dispose()


def _studies(store, protocol: str) -> dict[str, dict[str, np.ndarray]]:
    return {
        spec.optimizer: _arrays(store, study_id)
        for study_id, spec in store.studies()
        if spec.protocol == protocol
    }


def test_rankings_csv_matches_rank_optimizers(built):
    store, report = built
    rows = [r for r in _csv(report, "rankings") if r["protocol"] == "full"]
    for criterion, select, reported in (
        ("validation_error", "validation_error", "validation_error"),
        ("test_error", "validation_error", "test_error"),
        ("train_loss", "train_loss", "train_loss"),
    ):
        arrays = _studies(store, "full")
        ranking = analysis.rank_optimizers(
            {o: (a[select], a[reported]) for o, a in arrays.items()}, n_boot=200
        )
        mine = [r for r in rows if r["criterion"] == criterion]
        assert [r["optimizer"] for r in mine] == list(ranking.names)
        for row, standing in zip(mine, ranking.standings, strict=True):
            assert int(row["rank"]) == standing.rank
            assert float(row["best"]) == standing.best
            assert float(row["median"]) == standing.band.median
            assert float(row["lower"]) == standing.band.lower
            assert float(row["upper"]) == standing.band.upper
            assert int(row["n_points"]) == 10


def test_verdicts_csv_matches_inclusion_verdicts(built):
    store, report = built
    arrays = _studies(store, "lr-only")
    ranking = analysis.rank_optimizers(
        {o: (a["validation_error"], a["validation_error"]) for o, a in arrays.items()}, n_boot=200
    )
    expected = analysis.inclusion_verdicts(ranking)
    rows = [
        r
        for r in _csv(report, "verdicts")
        if r["protocol"] == "lr-only" and r["criterion"] == "validation_error"
    ]
    assert [(r["special"], r["general"]) for r in rows] == [
        ("sgd", "momentum"),
        ("momentum", "adam"),
    ]
    for row, verdict in zip(rows, expected, strict=True):
        assert row["verdict"] == verdict.verdict
        assert float(row["p_general_beats"]) == verdict.p_general_beats
        assert float(row["general_upper"]) == verdict.general_band.upper


def test_best_of_k_and_steps_to_target_match_the_analysis(built):
    store, report = built
    arrays = _studies(store, "full")
    curves = analysis.best_of_k_curves(
        {o: (a["validation_error"], a["validation_error"]) for o, a in arrays.items()}, n_boot=200
    )
    rows = [
        r
        for r in _csv(report, "best_of_k")
        if r["protocol"] == "full"
        and r["metric"] == "validation_error"
        and r["optimizer"] == "adam"
    ]
    assert [int(r["k"]) for r in rows] == curves["adam"].ks.tolist() == [1, 2, 4, 8, 10]
    assert [float(r["median"]) for r in rows] == curves["adam"].median.tolist()
    flat = {
        r["optimizer"]: r["flattening_k"]
        for r in _csv(report, "rankings")
        if r["protocol"] == "full" and r["criterion"] == "validation_error"
    }
    assert int(flat["adam"]) == analysis.flattening_k(curves["adam"])
    steps = [
        r
        for r in _csv(report, "steps_to_target")
        if r["protocol"] == "full" and r["optimizer"] == "sgd"
    ]
    assert len(steps) == 25
    assert all(0.0 <= float(r["reached"]) <= 1.0 for r in steps)
    assert float(steps[-1]["reached"]) >= float(steps[0]["reached"])  # easier targets


@pytest.fixture(scope="module")
def recomputed(built) -> WorkloadResult:
    """The statistics of the ``built`` report's workload, computed again from its store."""
    store, _ = built
    return _results(store, n_boot=200)["fmnist_mlp"]


# The four tests below compare each column with the attribute (or metric) of the same name of
# the analysis object it comes from, so a value written under another column's name fails.
# Where equal values could hide a swap, they also check that these data tell the columns apart.


def test_verdict_bands_stand_under_their_names(built, recomputed):
    _, report = built
    for protocol, group in recomputed.groups.items():
        verdicts = group.criteria["validation_error"].verdicts
        rows = _rows(report, "verdicts", protocol=protocol, criterion="validation_error")
        for row, verdict in zip(rows, verdicts, strict=True):
            for side in ("special", "general"):
                assert row[side] == getattr(verdict, side)
                band = getattr(verdict, f"{side}_band")
                for stat in ("median", "lower", "upper"):
                    assert _same(row[f"{side}_{stat}"], getattr(band, stat))
            assert _same(row["p_general_beats"], verdict.p_general_beats)
            assert row["special_median"] != row["general_median"]
            assert row["special_median"] != row["special_upper"]


def test_final_values_stand_under_their_names(built, recomputed):
    _, report = built
    for protocol, group in recomputed.groups.items():
        for name, best in group.best.items():
            (row,) = _rows(report, "best_trials", protocol=protocol, optimizer=name)
            assert all(_same(row[metric], value) for metric, value in best.reported.items())
        for name, study in group.group.studies.items():
            rows = _rows(report, "points", protocol=protocol, optimizer=name)
            assert [int(r["point"]) for r in rows] == study.points.tolist()
            for i, row in enumerate(rows):
                assert _same(row["diverged"], study.diverged[i])
                assert all(_same(row[m], study.final[m][i]) for m in FINAL_METRICS)
                assert len({row[m] for m in FINAL_METRICS}) == (1 if study.diverged[i] else 4)


def test_curves_stand_under_their_names(built, recomputed):
    _, report = built
    for protocol, group in recomputed.groups.items():
        for name, curve in group.curves["validation_error"].items():
            rows = _rows(
                report, "best_of_k", protocol=protocol, optimizer=name, metric="validation_error"
            )
            assert [int(r["k"]) for r in rows] == curve.ks.tolist()
            for j, row in enumerate(rows):
                for column in ("median", "lower", "upper"):
                    assert _same(row[column], getattr(curve, column)[j])
        for name, sweep in group.sweeps.items():
            rows = _rows(report, "steps_to_target", protocol=protocol, optimizer=name)
            assert [float(r["target"]) for r in rows] == sweep.targets.tolist()
            for j, row in enumerate(rows):
                assert _same(row["k"], sweep.k)
                for column in ("best", "reached", "median", "lower", "upper"):
                    assert _same(row[column], getattr(sweep, column)[j])


def test_divergence_and_rank_changes_stand_under_their_names(built, recomputed):
    _, report = built
    for protocol, group in recomputed.groups.items():
        for name, profiles in group.divergence.items():
            rows = iter(_rows(report, "divergence", protocol=protocol, optimizer=name))
            for profile in profiles:
                for j in range(profile.trials.size):
                    row = next(rows)
                    assert row["hyperparameter"] == profile.name
                    for column in ("trials", "diverged", "rate"):
                        assert _same(row[column], getattr(profile, column)[j])
                    assert _same(row["bin_low"], profile.edges[j])
                    assert _same(row["bin_high"], profile.edges[j + 1])
    diverged = _csv(report, "divergence")
    assert any(r["trials"] != r["diverged"] for r in diverged)
    (comparison,) = recomputed.comparisons
    rows = _csv(report, "protocol_changes")
    for row, change in zip(rows, comparison.ranks, strict=True):
        assert row["optimizer"] == change.name
        for side in ("first", "second"):
            assert _same(row[f"{side}_rank"], getattr(change, side))
    assert any(r["first_rank"] != r["second_rank"] for r in rows)


def test_summary_states_the_numbers_of_the_tables(built):
    _, report = built
    text = report.summary.read_text()
    best = {
        r["optimizer"]: r
        for r in _csv(report, "rankings")
        if r["protocol"] == "full" and r["criterion"] == "validation_error"
    }
    assert f"{100 * float(best['adam']['median']):.2f}%" in text
    assert "### fmnist_mlp under full" in text and "### fmnist_mlp under lr-only" in text
    verdicts = [r for r in _csv(report, "verdicts") if r["criterion"] == "validation_error"]
    for row in verdicts:
        word = "VIOLATED" if row["verdict"] == "violated" else row["verdict"]
        assert f"{row['special']} ⊆ {row['general']}: {word}." in text
    assert "lr-only → full" in text
    assert "Partial report" not in text and not report.partial


def test_protocol_changes_compare_each_protocol_with_the_fullest(built):
    _, report = built
    rows = _csv(report, "protocol_changes")
    assert {(r["first_protocol"], r["second_protocol"]) for r in rows} == {("lr-only", "full")}
    assert sorted(r["optimizer"] for r in rows) == ["adam", "momentum", "sgd"]
    assert sorted(int(r["second_rank"]) for r in rows) == [1, 2, 3]


def test_partial_report_is_marked_everywhere(make_store, tmp_path):
    store = make_store(
        protocol_names=("lr-only",), optimizers=("sgd", "momentum"), trials=8, pending=2, failed=1
    )
    report = build_report(store, tmp_path / "report", n_boot=100, figures=False)
    assert report.partial
    assert "Partial report" in report.summary.read_text()
    page = report.index.read_text()
    assert "id='partial'" in page and "data-partial='true'" in page
    studies = {r["optimizer"]: r for r in _csv(report, "studies")}
    assert studies["sgd"]["pending"] == "2" and studies["sgd"]["failed"] == "1"
    assert studies["sgd"]["points"] == "5" and studies["sgd"]["partial"] == "true"
    ranks = [r for r in _csv(report, "rankings") if r["criterion"] == "validation_error"]
    assert {r["n_points"] for r in ranks} == {"5"}


def test_the_newest_study_of_a_triple_is_compared_the_older_superseded(store_builder, tmp_path):
    options = {"protocol_names": ("lr-only",), "optimizers": ("sgd", "adam")}
    older = store_builder(tmp_path / "studies.db", trials=4, **options)
    newer = store_builder(tmp_path / "studies.db", trials=6, version=1, **options)
    report = build_report(newer, tmp_path / "report", n_boot=100, figures=False)
    status = {(r["optimizer"], r["study_id"]): r["status"] for r in _csv(report, "studies")}
    assert status == {
        ("sgd", "1"): "superseded",
        ("adam", "2"): "superseded",
        ("sgd", "3"): "compared",
        ("adam", "4"): "compared",
    }
    assert {(r["optimizer"], r["n_points"]) for r in _csv(report, "rankings")} == {
        ("sgd", "6"),
        ("adam", "6"),
    }
    older.engine.dispose()
    newer.engine.dispose()


def test_several_workloads_in_one_report(make_store, tmp_path):
    store = make_store(
        workloads=("fmnist_mlp", "cifar10_small"),
        protocol_names=("lr-only",),
        optimizers=("sgd", "adam"),
        trials=5,
        target=None,
    )
    report = build_report(store, tmp_path / "report", n_boot=100, figures=False)
    ranks = _csv(report, "rankings")
    assert {r["workload"] for r in ranks} == {"fmnist_mlp", "cifar10_small"}
    assert "steps_to_target" not in {r["criterion"] for r in ranks}  # no target, no Fig. 2
    text = report.summary.read_text()
    assert text.index("## cifar10_small") < text.index("## fmnist_mlp")


def test_seed_noise_table_when_points_have_several_seeds(make_store, tmp_path):
    store = make_store(protocol_names=("lr-only",), optimizers=("sgd",), trials=6, seeds=2)
    report = build_report(store, tmp_path / "report", n_boot=100, figures=False)
    (row,) = _csv(report, "seed_noise")
    assert row["optimizer"] == "sgd" and int(row["n_trials"]) <= 12
    assert 0.0 <= float(row["seed_fraction"]) <= 1.0
    noise = _results(store, n_boot=100)["fmnist_mlp"].groups["lr-only"].seed_noise["sgd"]
    for column in (f.name for f in fields(noise)):
        assert _same(row[column], getattr(noise, column)), column


#: Every table's columns, in order, as docs/analysis.md describes them.
HEADERS = {
    "studies": "study_id name workload precision protocol optimizer sampler seed budget "
    "eval_every target target_metric planned_points seeds points done diverged failed pending "
    "running partial status space_hash",
    "rankings": "workload precision protocol criterion rank optimizer n_points k best median "
    "lower upper flattening_k",
    "best_trials": "workload precision protocol optimizer point validation_error test_error "
    "train_loss hparams schedule_params",
    "verdicts": "workload precision protocol criterion special general verdict special_median "
    "special_lower special_upper general_median general_lower general_upper p_general_beats",
    "win_probabilities": "workload precision protocol criterion optimizer opponent p_beats",
    "best_of_k": "workload precision protocol metric optimizer k median lower upper",
    "steps_to_target": "workload precision protocol optimizer target best reached k median lower "
    "upper",
    "protocol_changes": "workload precision first_protocol second_protocol optimizer first_rank "
    "second_rank changed",
    "overtakes": "workload precision protocol winner loser k",
    "boundary": "workload precision protocol optimizer hyperparameter best_unit near_lower "
    "near_upper top_near_lower top_near_upper n_top flagged",
    "divergence": "workload precision protocol optimizer hyperparameter bin_low bin_high trials "
    "diverged rate",
    "seed_noise": "workload precision protocol optimizer seed_variance point_variance "
    "seed_fraction n_points n_trials excluded_points partly_diverged",
    "points": "workload precision protocol optimizer study_id point diverged validation_error "
    "test_error train_loss validation_loss hparams schedule_params unit_point",
    "stages": "workload precision protocol optimizer initial_study_id final_study_id "
    "initial_points final_points initial_best_point initial_best_validation_error "
    "initial_best_test_error final_best_point final_best_validation_error final_best_test_error "
    "final_at_least_as_good initial_best_inside_final",
    "stage_spaces": "workload precision protocol optimizer hyperparameter initial_range "
    "final_range reason",
}


def test_empty_store_gives_an_empty_report_with_every_header(tmp_path):
    from optbench.store import Store

    store = Store(str(tmp_path / "empty.db"))
    report = build_report(store, tmp_path / "report", figures=False)
    assert "holds no study yet" in report.summary.read_text()
    assert list(report.tables) == list(HEADERS)
    for name, header in HEADERS.items():
        assert report.tables[name].read_bytes() == f"{','.join(header.split())}\r\n".encode()
    store.engine.dispose()
