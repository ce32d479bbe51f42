"""Tables for the terminal (``optbench status``, ``optbench list``) and CSV export."""

from __future__ import annotations

import csv
from pathlib import Path

from rich.table import Table

from optbench import optimizers, workloads
from optbench.store import Store, TrialState

STATES = [state.value for state in TrialState]
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


def status_table(store: Store) -> Table:
    """Every study of the store with its trials counted by state."""
    table = Table(title=f"studies in {store.database}")
    table.add_column("id", justify="right")
    table.add_column("study", overflow="fold")
    for state in STATES:
        table.add_column(state, justify="right")
    counts = store.state_counts()
    for study_id, spec in store.studies():
        count = counts.get(study_id, {})
        table.add_row(str(study_id), spec.name, *(str(count.get(s, 0)) for s in STATES))
    return table


def workload_table() -> Table:
    table = Table(title="workloads")
    for column in ("name", "batch", "budget", "eval every", "target", "base lr", "about"):
        table.add_column(column)
    for name in workloads.available():
        spec = workloads.create(name)
        target = "-" if spec.target is None else f"{spec.target:.1%}"
        table.add_row(
            name,
            str(spec.batch_size),
            str(spec.budget),
            str(spec.eval_every),
            target,
            f"{spec.base_lr:g}",
            spec.description,
        )
    return table


def optimizer_table() -> Table:
    table = Table(title="optimizers")
    table.add_column("name")
    table.add_column("class")
    table.add_column("hyperparameters (default)")
    for name in optimizers.available():
        entry = optimizers.get(name)
        hparams = ", ".join(
            key
            if default is None
            else f"{key}={default:g}"
            if isinstance(default, float)
            else f"{key}={default}"
            for key, default in entry.hyperparameters.items()
        )
        table.add_row(name, entry.optimizer_class.__name__, hparams)
    return table


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
