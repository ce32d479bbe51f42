"""Two-stage protocols: the experiment form, the stages' study identity, when the final stage
starts, and a real two-stage run interrupted at every point and resumed."""

from __future__ import annotations

import dataclasses
import re

import pytest

from optbench.cli import main
from optbench.errors import InvalidParameterError
from optbench.store import Outcome, Store, TrialState, Worker
from optbench.study import experiment, stages
from optbench.study.plan import plan_study, store_study
from optbench.tuning import load_protocol

TWO_STAGE = {
    "workloads": ["fmnist_mlp_cpu"],
    "optimizers": ["momentum", "adam"],
    "protocols": ["lr-only", "full"],
    "two_stage": ["full"],
    "initial_trials": 8,
    "trials": 3,
    "budget": 20,
    "eval_every": 10,
    "threads": 1,
}


def test_a_two_stage_protocol_plans_its_initial_stage_and_the_others_run_as_before():
    plans = experiment.from_data(TWO_STAGE).plans()
    assert [(p.protocol, p.optimizer, p.trials) for p in plans] == [
        ("lr-only", "momentum", 3), ("lr-only", "adam", 3), ("full", "momentum", 8),
        ("full", "adam", 8),
    ]  # fmt: skip
    assert [p.stage for p in plans[:2]] == [None, None]
    assert {(p.stage.name, p.stage.protocol) for p in plans[2:]} == {("initial", "full")}
    single = plan_study(dataclasses.replace(plans[2], stage=None)).spec
    initial = plan_study(plans[2]).spec
    assert (single.protocol, initial.protocol) == ("full", "full-initial")
    assert single.key != initial.key and "stage" not in single.settings
    assert initial.settings["stage"] == {"name": "initial", "protocol": "full"}
    assert initial.space_hash == single.space_hash  # the initial stage is the protocol as written


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"two_stage": ["ful"]}, "two_stage='ful' is invalid: expected one of full, lr-only "
         "(did you mean 'full'?)"),
        ({"two_stage": [], "initial_trials": 8}, "initial_trials=8 is invalid: expected "
         "two_stage protocols to apply to"),
        ({"initial_trials": 0}, "initial_trials=0 is invalid: expected an integer in [1, 10000]"),
        ({"initial_trials": True}, "initial_trials=True is invalid: expected an integer"),
        ({"two_stage": "full"}, "two_stage='full' is invalid"),
    ],
)  # fmt: skip
def test_bad_two_stage_fields_name_the_field(fields, message):
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        experiment.from_data({**TWO_STAGE, **fields})


def test_an_initial_stage_too_small_to_refine_is_refused_before_anything_runs():
    spec = experiment.from_data({**TWO_STAGE, "initial_trials": 7})
    with pytest.raises(InvalidParameterError, match="initial_trials=7 is invalid: expected at "
                       "least 8: refine needs 8 finished points"):  # fmt: skip
        spec.plans()
    spec = experiment.from_data({**TWO_STAGE, "initial_trials": None, "trials": 5})
    with pytest.raises(InvalidParameterError, match="initial_trials=5"):
        spec.plans()


def test_a_two_stage_field_of_a_file_is_located_at_its_line(tmp_path):
    path = tmp_path / "experiment.yaml"
    path.write_text("workloads: [fmnist_mlp_cpu]\noptimizers: [adam]\nprotocols: [full]\n"
                    "two_stage: [lr-only]\n")  # fmt: skip
    with pytest.raises(InvalidParameterError, match=r"two_stage='lr-only'.*\(line 4 of "):
        experiment.load(path)


def _initial(store: Store, fill_study, trials: int = 10) -> list[stages.Stored]:
    spec = experiment.from_data({**TWO_STAGE, "protocols": ["full"], "initial_trials": trials})
    stored = []
    for plan in spec.plans():
        planned = plan_study(plan)
        stored.append(stages.Stored(plan, store_study(store, planned), planned.spec.key))
    return stored


def _bowl(unit) -> float:
    return 0.1 + sum((u - 0.3) ** 2 for u in unit)


def test_the_final_stage_waits_for_every_initial_trial_then_plans_the_same_studies(
    tmp_path, fill_study
):
    store = Store(str(tmp_path / "s.db"))
    stored = _initial(store, fill_study)
    final = stages.final_stage(store, stored, trials=3, max_attempts=3)
    assert final.waiting == "20 initial trials are pending or running" and final.plans == ()
    for item in stored:
        fill_study(store, item.study_id, _bowl)
    final = stages.final_stage(store, stored, trials=3, max_attempts=3)
    again = stages.final_stage(store, stored, trials=3, max_attempts=3)
    assert final.waiting is None and final.proposal.yaml == again.proposal.yaml
    keys = [plan_study(plan).spec.key for plan in final.plans]
    assert keys == [plan_study(plan).spec.key for plan in again.plans]
    specs = [plan_study(plan).spec for plan in final.plans]
    assert [s.protocol for s in specs] == ["full", "full"]
    assert [s.settings["stage"]["initial_study"] for s in specs] == [s.key for s in stored]
    assert specs[1].settings["stage"]["final_yaml"] == final.proposal.yaml
    reasons = specs[1].settings["stage"]["reasons"]
    assert set(reasons) == {"beta1", "beta2", "eps", "lr_over_eps", "schedule.decay_fraction",
                            "schedule.end_factor"}  # fmt: skip
    assert specs[1].space_yaml == final.proposal.protocol.space("adam", 0.05).to_yaml()
    store.close()


def test_failed_initial_trials_hold_the_final_stage_while_they_have_attempts_left(
    tmp_path, fill_study
):
    store = Store(str(tmp_path / "s.db"))
    stored = _initial(store, fill_study)
    worker = Worker("w", "localhost", 1)
    claim = store.claim([stored[0].study_id], worker)
    store.finish(claim.trial_id, worker, Outcome(TrialState.FAILED, 0, error="OSError: disk"))
    for item in stored:
        fill_study(store, item.study_id, _bowl)
    waiting = stages.final_stage(store, stored, trials=3, max_attempts=3).waiting
    assert waiting.startswith("1 failed initial trials have attempts left (of 3)")
    final = stages.final_stage(store, stored, trials=3, max_attempts=1)
    assert final.waiting is None
    comments = " ".join(line.lstrip("# ") for line in final.proposal.yaml.splitlines())
    assert "full-initial: 9 finished points (0 diverged); left out: 1 failed" in comments
    store.close()


def test_the_final_protocol_is_written_beside_a_sqlite_file_or_in_the_working_directory():
    assert stages.final_protocol_path("runs/demo.db", "w", "full") == (
        stages.Path("runs/demo.w.full-final.yaml"))  # fmt: skip
    url = "postgresql+psycopg://u:pw@host/bench?sslmode=require"
    assert str(stages.final_protocol_path(url, "w", "full")) == "bench.w.full-final.yaml"


class Interrupt:
    """Replaces the trainer of the inline executor: Ctrl-C at call ``at`` (1-based), training
    otherwise; counts the trials it trained."""

    def __init__(self, train, at: int | None = None) -> None:
        self.train, self.at, self.calls, self.trained = train, at, 0, 0

    def __call__(self, claim, options):
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        self.trained += 1
        return self.train(claim, options)


def _run(database, experiment_path) -> int:
    return main(["run", str(experiment_path), "--db", str(database)])


def test_a_two_stage_run_interrupted_at_every_point_resumes_and_runs_each_trial_once(
    real_fmnist, tmp_path, monkeypatch
):
    import yaml

    from optbench.executors import local

    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump({**TWO_STAGE, "protocols": ["full"]}))
    database = tmp_path / "interrupted.db"
    trained, studies = 0, []
    for at in (5, "refine", 2, None):  # mid-initial, between the stages, mid-final, to the end
        counter = Interrupt(local.train, at if isinstance(at, int) else None)
        monkeypatch.setattr(local, "train", counter)
        if at == "refine":  # Ctrl-C while refining

            def stop(*args, **kwargs):
                raise KeyboardInterrupt

            monkeypatch.setattr(stages, "final_stage", stop)
        assert _run(database, path) == (0 if at is None else 130)
        trained += counter.trained
        monkeypatch.undo()
        with Store(str(database)) as store:
            finished = store.state_counts()
            studies.append([sum(c[s] for s in ("done", "diverged")) for c in finished.values()])
    assert studies == [[2, 2], [8, 8], [8, 8, 1, 0], [8, 8, 3, 3]]  # the state at each stop
    assert trained == 2 * 8 + 2 * 3  # every trial trained once, none twice
    store = Store(str(database))
    specs = dict(store.studies())
    assert [s.protocol for s in specs.values()] == ["full-initial"] * 2 + ["full"] * 2
    for study_id in specs:
        rows = store.trials(study_id)
        assert {(t.state.value in ("done", "diverged"), t.attempts) for t in rows} == {(True, 1)}
    reference = tmp_path / "straight.db"
    assert _run(reference, path) == 0  # the same experiment without interruption
    straight = dict(Store(str(reference)).studies())
    assert [s.key for s in specs.values()] == [s.key for s in straight.values()]
    final_yaml = (tmp_path / "interrupted.fmnist_mlp_cpu.full-final.yaml").read_text()
    assert final_yaml.replace("interrupted.db", "straight.db") == (
        tmp_path / "straight.fmnist_mlp_cpu.full-final.yaml").read_text()  # fmt: skip
    assert load_protocol(tmp_path / "interrupted.fmnist_mlp_cpu.full-final.yaml").trials == 3
    store.close()
