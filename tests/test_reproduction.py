"""The numbers docs/reproduction.md states are those of the committed result databases: every
row of its ranking, verdict, two-stage and seed tables is recomputed here (the bootstrap is
seeded) and compared, so that the page cannot drift from the data it describes."""

from __future__ import annotations

import math
import re
import sqlite3
import statistics
from pathlib import Path

import pytest

from optbench.report.data import load_studies
from optbench.report.groups import group_studies
from optbench.report.results import workload_result
from optbench.store import Store

ROOT = Path(__file__).parents[1]
RESULTS = ROOT / "docs" / "results"
PAGE = (ROOT / "docs" / "reproduction.md").read_text()
NUMBER = r"(\d+\.\d\d)"
STEPS = r"(\d+|∞)"
RANKING_ROW = re.compile(
    rf"^\| (\d) \| (\w+) \| {NUMBER} % \[{NUMBER}, {NUMBER}\] \| {STEPS} \[{STEPS}, {STEPS}\] "
    r"\| (\d\.\d{3}) \| (\d+) \|$",
    re.M,
)
VERDICT_ROW = re.compile(r"^\| (\w+) ⊆ (\w+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", re.M)
STAGE_ROW = re.compile(rf"^\| (\w+) \| {NUMBER} % \| {NUMBER} % \| {NUMBER} % \|$", re.M)
SEED_ROW = re.compile(r"^\| (\w+), ([\w -]+) \| (.+) \|$", re.M)
SEED_CELL = re.compile(rf"{NUMBER} → {NUMBER} ± {NUMBER}")


def _section(heading: str) -> str:
    start = PAGE.index(heading)
    end = PAGE.find("\n### ", start + 1)
    return PAGE[start : end if end > 0 else None]


def _result(database: str):
    with Store(str(RESULTS / database), read_only=True) as store:
        (workload,) = group_studies(load_studies(store)).values()
        return workload_result(workload, n_boot=1000, seed=0)


@pytest.fixture(scope="module")
def mlp():
    return _result("fmnist_mlp_cpu.db")


def _percent(value: float) -> str:
    return f"{100 * value:.2f}"


def _steps(value: float) -> str:
    return "∞" if math.isinf(value) else str(int(value))


def _shown(band, show) -> tuple[str, str, str]:
    return show(band.median), show(band.lower), show(band.upper)


def _check_ranking(section: str, group, n_points: int) -> None:
    rows = RANKING_ROW.findall(section)
    assert len(rows) == 6
    errors = group.criteria["validation_error"].ranking
    steps = group.criteria["steps_to_target"].ranking
    for rank, name, median, lower, upper, s_median, s_lower, s_upper, loss, flat in rows:
        standing = errors[name]
        assert (standing.rank, standing.n_trials) == (int(rank), n_points)
        assert (median, lower, upper) == _shown(standing.band, _percent)
        assert (s_median, s_lower, s_upper) == _shown(steps[name].band, _steps)
        assert loss == f"{group.criteria['train_loss'].ranking[name].band.median:.3f}"
        assert int(flat) == group.flattening["validation_error"][name]


def test_the_mlp_lr_only_table_is_what_its_database_gives(mlp):
    _check_ranking(_section("### `fmnist_mlp_cpu` under `lr-only`"), mlp.groups["lr-only"], 36)


def test_the_mlp_full_tables_are_what_its_database_gives(mlp):
    section = _section("### `fmnist_mlp_cpu` under the two-stage `full`")
    _check_ranking(section, mlp.groups["full"], 36)
    _check_verdicts(section, mlp.groups["full"])


@pytest.fixture(scope="module")
def lstm():
    return _result("pride_and_prejudice_lstm_cpu.db")


def test_the_lstm_lr_only_tables_are_what_its_database_gives(lstm):
    section = _section("### `pride_and_prejudice_lstm_cpu` under `lr-only`")
    _check_ranking(section, lstm.groups["lr-only"], 24)
    _check_verdicts(section, lstm.groups["lr-only"])


def test_the_lstm_full_tables_are_what_its_database_gives(lstm):
    section = _section("### `pride_and_prejudice_lstm_cpu` under the two-stage `full`")
    _check_ranking(section, lstm.groups["full"], 24)
    _check_verdicts(section, lstm.groups["full"])
    _check_stages(section, lstm.groups["full"])


def _check_verdicts(section: str, group) -> None:
    rows = VERDICT_ROW.findall(section)
    assert len(rows) == 5
    columns = ("validation_error", "test_error", "train_loss", "steps_to_target")
    for special, general, *cells in rows:
        for column, cell in zip(columns, cells, strict=True):
            (verdict,) = [
                v.verdict
                for v in group.criteria[column].verdicts
                if (v.special, v.general) == (special.lower(), general.lower())
            ]
            assert cell.strip("* ") == verdict, (special, general, column)


def test_the_mlp_two_stage_table_is_what_its_database_gives(mlp):
    _check_stages(_section("### Two stages: what refining did"), mlp.groups["full"])


def _check_stages(section: str, group) -> None:
    rows = STAGE_ROW.findall(section)
    assert len(rows) == 6
    stages = group.stages.optimizers
    for name, initial, final, both in rows:
        first, second = stages[name].initial_best.value, stages[name].final_best.value
        assert (initial, final, both) == tuple(map(_percent, (first, second, min(first, second))))


def _seed_table(database: Path) -> dict[tuple[str, str], list[list[float]]]:
    """(optimizer, stage) -> the validation errors of every point with several seeds, by
    replicate, straight from the database's tables."""
    stage_names = {"full-initial": "full initial", "full": "full final"}
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    rows = connection.execute(
        """SELECT s.name, t."index", m.value FROM trials t
        JOIN studies s ON s.id = t.study_id JOIN measurements m ON m.trial_id = t.id
        WHERE t.state = 'done' AND m.metric = 'validation_error' AND m.step = (
            SELECT max(step) FROM measurements m2
            WHERE m2.trial_id = t.id AND m2.metric = 'validation_error')
        ORDER BY s.id, t."index", t.replicate"""
    ).fetchall()
    connection.close()
    points: dict[tuple[str, str], dict[int, list[float]]] = {}
    for name, index, value in rows:
        _, optimizer, protocol = name.split("/")
        key = (optimizer, stage_names.get(protocol, protocol))
        points.setdefault(key, {}).setdefault(index, []).append(value)
    return {
        key: sorted((v for v in found.values() if len(v) > 1), key=statistics.mean)
        for key, found in points.items()
    }


def test_the_mlp_seed_table_is_what_its_database_gives():
    section = _section("### Seed noise and search noise")
    rows = SEED_ROW.findall(section)
    replicated = _seed_table(RESULTS / "fmnist_mlp_cpu.db")
    assert len(rows) == 18 == len(replicated)
    for optimizer, stage, cells in rows:
        points = replicated[(optimizer, stage)]
        expected = [
            (_percent(v[0]), _percent(statistics.mean(v)), _percent(statistics.stdev(v)))
            for v in points
        ]
        assert SEED_CELL.findall(cells) == expected and len(points) == 3
