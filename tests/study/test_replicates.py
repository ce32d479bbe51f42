"""More seeds at the best points of a study: the right points, the right seeds, never twice,
and the report then tells seed noise from search noise."""

from __future__ import annotations

import pytest

from optbench.cli import main
from optbench.errors import InvalidParameterError
from optbench.report.data import load_studies
from optbench.store import Store
from optbench.study.plan import StudyPlan, prepare, trial_seed
from optbench.study.replicates import best_points, replicate_best

RUN = ["run", "--workload", "fmnist_mlp_cpu", "--optimizers", "adam", "--protocol", "lr-only",
       "--trials", "6", "--budget", "20", "--eval-every", "10", "--threads", "1"]  # fmt: skip


@pytest.fixture
def finished(real_fmnist, tmp_path) -> str:
    database = str(tmp_path / "s.db")
    assert main([*RUN, "--db", database]) == 0
    return database


def _finals(store: Store) -> dict[int, float]:
    rows = store.trials(1)
    last = {}
    for m in store.measurements(1):
        if m.metric == "validation_error":
            last[m.trial_id] = m.value
    return {row.index: last[row.id] for row in rows if row.replicate == 0}


def test_the_best_points_get_more_seeds_and_the_report_averages_them(finished, capsys):
    with Store(finished) as store:
        finals = _finals(store)
        ranked = sorted(finals, key=lambda i: (finals[i], i))
        assert best_points(store, 1, 2) == ranked[:2]
        assert replicate_best(store, 1, best=2, seeds=3) == 4
        assert replicate_best(store, 1, best=2, seeds=3) == 0  # never twice
        rows = {(t.index, t.replicate): t for t in store.trials(1)}
        spec = dict(store.studies())[1]
    for index in ranked[:2]:
        for replicate in (1, 2):
            row = rows[(index, replicate)]
            assert row.state.value == "pending"
            assert row.seed == trial_seed(spec.seed, index, replicate)
            assert row.hparams == rows[(index, 0)].hparams
    assert main([*RUN, "--db", finished]) == 0
    with Store(finished, read_only=True) as store:
        (study,) = load_studies(store)
        counts = store.state_counts()[1]
    assert counts["done"] == 10 and study.n_points == 6
    assert sorted(study.trial_points.tolist()).count(ranked[0]) == 3


def test_the_replicate_command_names_what_it_added_and_refuses_bad_input(finished, capsys):
    assert main(["replicate", "--db", finished, "--workload", "fmnist_mlp_cpu", "--best", "3",
                 "--seeds", "2"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "fmnist_mlp_cpu/adam/lr-only: points [" in out and "3 trials added" in out
    assert main(["replicate", "--db", finished, "--seeds", "1"]) == 2
    assert "--seeds=1 is invalid" in capsys.readouterr().err
    assert main(["replicate", "--db", finished, "--protocol", "full"]) == 2
    assert "none matches" in capsys.readouterr().err
    with pytest.raises(InvalidParameterError, match="seeds"):
        replicate_best(Store(finished), 1, best=1, seeds=0)


def test_a_study_with_diverged_points_ranks_them_last(real_fmnist, tmp_path):
    store = Store(str(tmp_path / "s.db"))
    study = prepare(store, StudyPlan("fmnist_mlp_cpu", "sgd", "lr-only", trials=6, budget=20))
    from optbench.executors import run_inline
    from optbench.study import RunOptions

    run_inline(store, [study], RunOptions(threads=1))
    states = {t.index: t.state.value for t in store.trials(study)}
    order = best_points(store, study, 4)
    diverged = [i for i in order if states[i] == "diverged"]
    assert order[len(order) - len(diverged) :] == diverged
