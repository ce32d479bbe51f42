"""run_trial: the schedule, the curve, divergence, determinism, threads and devices."""

from __future__ import annotations

import dataclasses
import math
import pickle

import pytest
import torch

from optbench import schedules
from optbench.data import DataNotFoundError
from optbench.errors import InvalidParameterError
from optbench.study.runner import run_trial
from optbench.study.trial import Trial


def sgd_losses(lr: float, steps: int, schedule=lambda t: 1.0, center: float = 3.0) -> list:
    """Losses (w_t - c)² of SGD on (w - c)² from w_0 = 0, in float32 like the runner."""
    w, losses = torch.tensor(0.0), []
    for t in range(steps):
        gap = w - center
        losses.append((gap * gap).item())
        w = w - torch.tensor(lr * schedule(t)) * (2 * gap)
    return losses


def test_curve_holds_running_mean_losses_at_the_cadence(quadratic):
    result = run_trial(Trial(quadratic.name, "sgd", {"lr": 0.1}))
    losses = sgd_losses(0.1, 11)
    assert [p.step for p in result.curve] == [4, 8, 10]
    means = [sum(losses[0:4]) / 4, sum(losses[4:8]) / 4, sum(losses[8:10]) / 2]
    assert [p.train_loss for p in result.curve] == pytest.approx(means, rel=1e-6)
    assert [p.validation_loss for p in result.curve] == pytest.approx(
        [losses[4], losses[8], losses[10]], rel=1e-5
    )
    assert result.status == "completed" and result.steps == 10 and result.diverged_at is None


def test_schedule_multiplies_the_learning_rate_every_step(quadratic):
    params = {"end_factor": 0.1, "decay_fraction": 0.5}
    trial = Trial(quadratic.name, "sgd", {"lr": 0.2}, "linear_decay", params, budget=12)
    result = run_trial(trial)
    schedule = schedules.build("linear_decay", 12, **params)
    expected = sgd_losses(0.2, 13, schedule)
    assert result.curve[-1].validation_loss == pytest.approx(expected[12], rel=1e-5)
    constant = sgd_losses(0.2, 13)
    assert not math.isclose(expected[12], constant[12], rel_tol=1e-2)


def test_divergence_stops_at_once_and_spends_nothing_after(quadratic):
    # lr = 1.5: w - c doubles and flips each step, the float32 loss overflows near step 63
    losses = sgd_losses(1.5, 100)
    first_bad = next(t for t, loss in enumerate(losses) if not math.isfinite(loss))
    result = run_trial(Trial(quadratic.name, "sgd", {"lr": 1.5}, budget=100, eval_every=10))
    problem, model = quadratic.last()
    assert result.status == "diverged" and result.diverged
    assert result.diverged_at == result.steps == first_bad
    assert problem.batches == first_bad + 1  # the diverged step's batch, nothing after
    assert model.backward_passes == first_bad  # no backward pass on the non-finite loss
    assert [p.step for p in result.curve] == list(range(10, first_bad, 10))
    assert result.final_validation_error == math.inf == result.final_test_error
    assert result.steps_to_target(1.0) == math.inf


@pytest.mark.parametrize("check_every", [2, 8, 64])
def test_checking_every_few_steps_records_the_exact_first_non_finite_step(
    quadratic, check_every
):
    # The CUDA way (no sync per step), forced here on the CPU: same diverged_at, same curve,
    # at most check_every - 1 updates after the first non-finite loss, none evaluated.
    losses = sgd_losses(1.5, 100)
    first_bad = next(t for t, loss in enumerate(losses) if not math.isfinite(loss))
    trial = Trial(quadratic.name, "sgd", {"lr": 1.5}, budget=100, eval_every=10)
    every_step = run_trial(trial)
    result = run_trial(trial, check_every=check_every)
    problem, model = quadratic.last()
    assert result.diverged_at == result.steps == first_bad == every_step.diverged_at
    assert first_bad <= model.backward_passes <= first_bad + check_every - 1
    assert problem.batches - 1 == model.backward_passes  # the check comes before backward
    assert [(p.step, p.train_loss, p.validation_loss) for p in result.curve] == [
        (p.step, p.train_loss, p.validation_loss) for p in every_step.curve
    ]
    assert all(p.step < first_bad for p in result.curve)


def test_a_late_check_still_comes_before_every_evaluation(quadratic):
    # With checks every 64 steps, the evaluations at 10, 20, ... force a check each.
    trial = Trial(quadratic.name, "sgd", {"lr": 0.1}, budget=30, eval_every=10)
    late, every_step = run_trial(trial, check_every=64), run_trial(trial)
    assert [p.train_loss for p in late.curve] == [p.train_loss for p in every_step.curve]
    assert [p.validation_loss for p in late.curve] == [
        p.validation_loss for p in every_step.curve
    ]


def test_check_every_must_be_a_positive_integer(quadratic):
    with pytest.raises(InvalidParameterError, match="check_every"):
        run_trial(Trial(quadratic.name, "sgd", {"lr": 0.1}), check_every=0)


def test_evaluation_only_at_the_end_with_eval_every_zero(quadratic):
    result = run_trial(Trial(quadratic.name, "sgd", {"lr": 0.1}, budget=7, eval_every=0))
    assert [p.step for p in result.curve] == [7]
    assert result.curve[0].train_loss == pytest.approx(sum(sgd_losses(0.1, 7)) / 7, rel=1e-6)


def test_steps_to_target_is_the_first_evaluation_at_or_below_it(quadratic):
    result = run_trial(Trial(quadratic.name, "sgd", {"lr": 0.05}, budget=40, eval_every=4))
    gaps = [math.sqrt(loss) for loss in sgd_losses(0.05, 41)]
    first = next(s for s in range(4, 41, 4) if gaps[s] <= 1)
    assert result.steps_to_target(0.0) == first  # "error" is 1 while |w - c| > 1
    assert result.steps_to_target() == first  # the workload's target, 0.5


def test_same_trial_same_curve_other_seed_other_curve(fake_mlp):
    name, path = fake_mlp
    trial = Trial(
        name, "adam", {"lr": 1e-3}, seed=3, budget=20, eval_every=10, threads=1, data_path=path
    )
    first, second = run_trial(trial), run_trial(trial)
    strip = [(p.step, p.train_loss, p.validation_loss, p.test_error) for p in first.curve]
    assert strip == [(p.step, p.train_loss, p.validation_loss, p.test_error) for p in second.curve]
    other = run_trial(dataclasses.replace(trial, seed=4))
    assert other.curve[0].train_loss != first.curve[0].train_loss


def test_threads_are_set_for_the_trial_and_restored(fake_mlp):
    name, path = fake_mlp
    before = torch.get_num_threads()
    result = run_trial(Trial(name, "sgd", {"lr": 0.01}, budget=2, threads=1, data_path=path))
    assert result.threads == 1 and torch.get_num_threads() == before


def test_auto_device_and_provenance(fake_mlp):
    name, path = fake_mlp
    trial = Trial(name, "sgd", {"lr": 0.01}, budget=3, device="auto", threads=1, data_path=path)
    result = run_trial(trial)
    assert result.device == ("cuda" if torch.cuda.is_available() else "cpu")
    assert result.torch_version == torch.__version__
    assert result.train_seconds > 0 and result.eval_seconds > 0 and result.setup_seconds > 0
    assert result.steps_per_second == pytest.approx(3 / result.train_seconds)
    assert 0 < result.curve[-1].seconds <= result.train_seconds


def test_result_pickles_and_lists_its_measurements(quadratic):
    result = run_trial(Trial(quadratic.name, "sgd", {"lr": 0.1}))
    assert pickle.loads(pickle.dumps(result)) == result
    rows = result.measurements()
    assert len(rows) == 3 * 4 + 2  # the test split after the last step only
    assert rows[0] == (4, "train_loss", result.curve[0].train_loss)
    assert (10, "validation_error", result.curve[-1].validation_error) in rows
    assert [(s, m) for s, m, _ in rows if m.startswith("test")] == [
        (10, "test_loss"),
        (10, "test_error"),
    ]
    assert result.curve[0].test_error is None and result.curve[-1].test_error is not None


def test_missing_data_reaches_the_caller_with_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("OPTBENCH_DATA", raising=False)
    with pytest.raises(DataNotFoundError, match="optbench data fetch war_and_peace"):
        run_trial(Trial("war_and_peace_lstm_cpu", "adam", {"lr": 1e-3}, budget=1))
