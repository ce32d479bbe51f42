"""A target that is a loss: the runner's steps to target read the validation loss."""

from __future__ import annotations

from optbench.study.runner import run_trial
from optbench.study.trial import Trial
from optbench.workloads import create, register_spec, unregister


def test_a_loss_target_is_reached_on_the_validation_loss(quadratic):
    # SGD at lr 0.05 on (w - 3)² from w = 0: |w - 3| = 3 * 0.9^t, the loss its square, the
    # "error" 1 while |w - 3| > 1. Evaluated every 4 steps, the loss is first <= 0.25 at step
    # 20 (|w - 3| = 0.36; 0.56 at 16) and the error first 0 at step 12 (0.85; 1.29 at 8).
    spec = create(quadratic.name)
    register_spec(spec.replace(name="quadratic_loss", target=0.25, target_metric="validation_loss"))
    try:
        result = run_trial(Trial("quadratic_loss", "sgd", {"lr": 0.05}, budget=40, eval_every=4))
    finally:
        unregister("quadratic_loss")
    assert result.target_metric == "validation_loss"
    assert result.steps_to_target() == 20  # loss <= 0.25; an error <= 0.25 would say 12
    assert result.steps_to_target(1.0) == 12  # loss <= 1 is |w - 3| <= 1
