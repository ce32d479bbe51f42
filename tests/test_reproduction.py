"""The numbers docs/reproduction.md states are those of the committed result databases: every
ranking row of its tables is recomputed here (the bootstrap is seeded) and compared."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from optbench.report.data import load_studies
from optbench.report.groups import group_studies
from optbench.report.results import workload_result
from optbench.store import Store

ROOT = Path(__file__).parents[1]
PAGE = (ROOT / "docs" / "reproduction.md").read_text()
ROW = re.compile(
    r"^\| (\d) \| (\w+) \| (\d+\.\d\d) % \[(\d+\.\d\d), (\d+\.\d\d)\] \| (\d+) \[(\d+), (\d+)\]",
    re.M,
)


def _section(heading: str) -> str:
    start = PAGE.index(heading)
    end = PAGE.find("\n### ", start + 1)
    return PAGE[start : end if end > 0 else None]


@pytest.fixture(scope="module")
def mlp():
    with Store(str(ROOT / "docs" / "results" / "fmnist_mlp_cpu.db"), read_only=True) as store:
        (workload,) = group_studies(load_studies(store)).values()
        return workload_result(workload, n_boot=1000, seed=0)


def test_the_lr_only_table_of_the_mlp_is_what_its_database_gives(mlp):
    rows = ROW.findall(_section("### `fmnist_mlp_cpu` under `lr-only`"))
    assert len(rows) == 6
    group = mlp.groups["lr-only"]
    errors = group.criteria["validation_error"].ranking
    steps = group.criteria["steps_to_target"].ranking
    for rank, name, median, lower, upper, s_median, s_lower, s_upper in rows:
        standing = errors[name]
        assert standing.rank == int(rank)
        assert standing.n_trials == 36
        band = standing.band
        assert (
            f"{100 * band.median:.2f}",
            f"{100 * band.lower:.2f}",
            f"{100 * band.upper:.2f}",
        ) == (
            median,
            lower,
            upper,
        )
        band = steps[name].band
        assert (band.median, band.lower, band.upper) == (
            float(s_median),
            float(s_lower),
            float(s_upper),
        )
