"""The report's tables beyond the rankings: search-space diagnostics (optima at a bound,
divergence by region), seed noise, overtakes, protocol rank changes and every point's
final values. Same conventions as :mod:`optbench.report.tables`.
"""

from __future__ import annotations

from optbench.report.results import WorkloadResult
from optbench.report.tables import Table, group_items


def boundary_table(results: dict[str, WorkloadResult]) -> Table:
    columns = (
        "workload",
        "protocol",
        "optimizer",
        "hyperparameter",
        "best_unit",
        "near_lower",
        "near_upper",
        "top_near_lower",
        "top_near_upper",
        "n_top",
        "flagged",
    )
    rows = [
        (
            workload,
            protocol,
            name,
            c.name,
            c.best,
            c.near_lower,
            c.near_upper,
            c.top_near_lower,
            c.top_near_upper,
            c.n_top,
            c.flagged,
        )
        for workload, protocol, group in group_items(results)
        for name, checks in group.boundary.items()
        for c in checks
    ]
    return Table("boundary", columns, rows)


def divergence_table(results: dict[str, WorkloadResult]) -> Table:
    columns = (
        "workload",
        "protocol",
        "optimizer",
        "hyperparameter",
        "bin_low",
        "bin_high",
        "trials",
        "diverged",
        "rate",
    )
    rows = [
        (
            workload,
            protocol,
            name,
            p.name,
            float(p.edges[j]),
            float(p.edges[j + 1]),
            int(p.trials[j]),
            int(p.diverged[j]),
            float(p.rate[j]),
        )
        for workload, protocol, group in group_items(results)
        for name, profiles in group.divergence.items()
        for p in profiles
        for j in range(p.trials.size)
    ]
    return Table("divergence", columns, rows)


def seed_noise_table(results: dict[str, WorkloadResult]) -> Table:
    columns = (
        "workload",
        "protocol",
        "optimizer",
        "seed_variance",
        "point_variance",
        "seed_fraction",
        "n_points",
        "n_trials",
        "excluded_points",
        "partly_diverged",
    )
    rows = [
        (
            workload,
            protocol,
            name,
            n.seed_variance,
            n.point_variance,
            n.seed_fraction,
            n.n_points,
            n.n_trials,
            n.excluded_points,
            n.partly_diverged,
        )
        for workload, protocol, group in group_items(results)
        for name, n in group.seed_noise.items()
    ]
    return Table("seed_noise", columns, rows)


def overtakes_table(results: dict[str, WorkloadResult]) -> Table:
    columns = ("workload", "protocol", "winner", "loser", "k")
    rows = [
        (workload, protocol, o.winner, o.loser, o.k)
        for workload, protocol, group in group_items(results)
        for o in group.overtakes
    ]
    return Table("overtakes", columns, rows)


def protocol_changes_table(results: dict[str, WorkloadResult]) -> Table:
    columns = (
        "workload",
        "first_protocol",
        "second_protocol",
        "optimizer",
        "first_rank",
        "second_rank",
        "changed",
    )
    rows = [
        (
            workload,
            c.first_protocol,
            c.second_protocol,
            r.name,
            r.first,
            r.second,
            r.first != r.second,
        )
        for workload, result in results.items()
        for c in result.comparisons
        for r in c.ranks
    ]
    return Table("protocol_changes", columns, rows)


def points_table(results: dict[str, WorkloadResult]) -> Table:
    columns = (
        "workload",
        "protocol",
        "optimizer",
        "study_id",
        "point",
        "diverged",
        "validation_error",
        "test_error",
        "train_loss",
        "validation_loss",
        "hparams",
        "schedule_params",
        "unit_point",
    )
    rows = []
    for workload, protocol, group in group_items(results):
        for name, s in group.group.studies.items():
            for i in range(s.n_points):
                rows.append(
                    (
                        workload,
                        protocol,
                        name,
                        s.id,
                        int(s.points[i]),
                        bool(s.diverged[i]),
                        *(
                            float(s.final[m][i])
                            for m in (
                                "validation_error",
                                "test_error",
                                "train_loss",
                                "validation_loss",
                            )
                        ),
                        s.hparams[i],
                        s.schedule_params[i],
                        dict(zip(s.dimensions, map(float, s.unit[i]), strict=True)),
                    )
                )
    return Table("points", columns, rows)
