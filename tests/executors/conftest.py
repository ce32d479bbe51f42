"""Small real studies: the fmnist_mlp workload on the real Fashion-MNIST, a few steps each."""

from __future__ import annotations

import pytest

from optbench.store import Store
from optbench.study.plan import StudyPlan, prepare

BUDGET, EVAL_EVERY = 20, 10
ROWS_PER_TRIAL = (BUDGET // EVAL_EVERY) * 4 + 2  # 4 metrics an evaluation, test at the end


def _small_plan(optimizer: str = "adam", trials: int = 4, **overrides) -> StudyPlan:
    fields = {
        "workload": "fmnist_mlp_cpu", "optimizer": optimizer, "protocol": "lr-only",
        "trials": trials, "budget": BUDGET, "eval_every": EVAL_EVERY, **overrides,
    }  # fmt: skip
    return StudyPlan(**fields)


def _curves(store: Store, study_id: int) -> dict[tuple[int, int], list[tuple[int, str, float]]]:
    by_trial = {t.id: (t.index, t.replicate) for t in store.trials(study_id)}
    result: dict = {key: [] for key in by_trial.values()}
    for row in store.measurements(study_id):
        if row.metric != "seconds":
            result[by_trial[row.trial_id]].append((row.step, row.metric, row.value))
    return result


@pytest.fixture
def small_plan():
    """A function making the plan of a small study (20 steps, evaluated at 10 and 20)."""
    return _small_plan


@pytest.fixture
def curves():
    """A function: (index, replicate) -> every measurement but wall-clock seconds, in order."""
    return _curves


@pytest.fixture
def rows_per_trial() -> int:
    return ROWS_PER_TRIAL


@pytest.fixture
def small_study(real_fmnist, tmp_path):
    """(store, study id) of a 4-trial Adam study on a fresh SQLite file."""
    store = Store(str(tmp_path / "optbench.db"))
    return store, prepare(store, _small_plan())
