"""The study core: a trial and its result, the runner that trains one, study planning in the
store, and experiment files (:mod:`optbench.study.experiment`).

experiment (YAML or flags) -> :class:`StudyPlan` per (workload, optimizer, protocol) ->
:func:`prepare` enqueues its trials in the store -> an executor claims each and
:func:`run_trial` trains it -> :func:`outcome_of` turns the result into what the store keeps.
A protocol run in two stages refines its final studies from its initial ones between the two
(:mod:`optbench.study.stages`).
"""

from optbench.study.plan import RunOptions, StudyPlan, outcome_of, prepare, trial_of
from optbench.study.runner import run_trial
from optbench.study.trial import METRICS, EvalPoint, Trial, TrialResult

__all__ = [
    "METRICS",
    "EvalPoint",
    "RunOptions",
    "StudyPlan",
    "Trial",
    "TrialResult",
    "outcome_of",
    "prepare",
    "run_trial",
    "trial_of",
]
