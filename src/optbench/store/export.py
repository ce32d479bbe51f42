"""``optbench export``: every trial and measurement of a store as tidy CSV tables."""

from __future__ import annotations

import csv
from pathlib import Path

from optbench.store.store import Store

TRIAL_COLUMNS = (
    "id",
    "index",
    "replicate",
    "seed",
    "state",
    "schedule",
    "steps",
    "diverged_at",
    "attempts",
    "worker",
    "host",
    "started",
    "finished",
    "setup_seconds",
    "train_seconds",
    "eval_seconds",
    "error",
    "optbench_version",
    "torch_version",
    "device",
)
STUDY_COLUMNS = ("workload", "optimizer", "protocol", "sampler", "budget", "space_hash")


def export_csv(store: Store, directory: str | Path) -> list[Path]:
    """Write ``trials.csv`` (one row per trial, one column per hyperparameter) and
    ``measurements.csv`` (trial_id, step, metric, value) into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    studies = store.studies()
    trials = {study_id: store.trials(study_id) for study_id, _ in studies}
    hparam_names = sorted({k for rows in trials.values() for row in rows for k in row.hparams})
    schedule_names = sorted(
        {k for rows in trials.values() for row in rows for k in row.schedule_params}
    )
    trials_path, measurements_path = directory / "trials.csv", directory / "measurements.csv"
    with trials_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "study_id",
                *STUDY_COLUMNS,
                *TRIAL_COLUMNS,
                *hparam_names,
                *(f"schedule.{k}" for k in schedule_names),
            ]
        )
        for study_id, spec in studies:
            for row in trials[study_id]:
                values = [getattr(row, c) for c in TRIAL_COLUMNS]
                values[TRIAL_COLUMNS.index("state")] = row.state.value
                hparams = [row.hparams.get(k, "") for k in hparam_names]
                schedule = [row.schedule_params.get(k, "") for k in schedule_names]
                study = [getattr(spec, c) for c in STUDY_COLUMNS]
                writer.writerow([study_id, *study, *values, *hparams, *schedule])
    with measurements_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["study_id", "trial_id", "step", "metric", "value"])
        for study_id, _ in studies:
            for row in store.measurements(study_id):
                value = "nan" if row.value is None else row.value
                writer.writerow([study_id, row.trial_id, row.step, row.metric, value])
    return [trials_path, measurements_path]
