"""The statistics of Choi et al. (2019): selection, best-of-k bootstrap, steps to target,
rankings with bands, inclusion verdicts, protocol comparisons and search-space diagnostics.

Pure numpy functions over per-trial arrays (lower is better; a diverged trial is +inf in every
metric). ``docs/analysis.md`` gives each statistic's definition.

>>> import numpy as np
>>> from optbench import analysis
>>> select = np.array([0.30, 0.10, np.inf, 0.20])   # final validation error, trial 2 diverged
>>> analysis.select_best({"validation_error": select}, report=["validation_error"]).index
1
>>> analysis.expected_best_of_k(select, select, 2)  # trial 2 can be the best of 2
inf
>>> float(analysis.best_of_k_probabilities(select, 2)[1])  # (4^2 - 3^2) / 4^2
0.4375
"""

from optbench.analysis.bootstrap import (
    best_of_k,
    best_of_k_indices,
    best_of_k_probabilities,
    expected_best_of_k,
)
from optbench.analysis.curves import (
    Band,
    BestOfKCurve,
    best_of_k_curve,
    default_ks,
    flattening_k,
    overtake_k,
    summarize,
)
from optbench.analysis.diagnostics import (
    BoundaryCheck,
    DivergenceProfile,
    boundary_checks,
    divergence_by_region,
)
from optbench.analysis.rankings import (
    Overtake,
    Ranking,
    Standing,
    WinProbabilities,
    beat_probability,
    best_of_k_curves,
    overtakes,
    rank_optimizers,
    study_seed,
    win_probabilities,
)
from optbench.analysis.seeds import SeedNoise, seed_noise
from optbench.analysis.selection import (
    SELECTION_METRICS,
    Selection,
    best_index,
    rank_order,
    select_best,
)
from optbench.analysis.targets import TargetSweep, steps_to_target, target_sweep
from optbench.analysis.verdicts import (
    VERDICTS,
    InclusionVerdict,
    ProtocolComparison,
    RankChange,
    compare_protocols,
    inclusion_verdicts,
    verdict,
)

__all__ = [
    "SELECTION_METRICS",
    "VERDICTS",
    "Band",
    "BestOfKCurve",
    "BoundaryCheck",
    "DivergenceProfile",
    "InclusionVerdict",
    "Overtake",
    "ProtocolComparison",
    "RankChange",
    "Ranking",
    "SeedNoise",
    "Selection",
    "Standing",
    "TargetSweep",
    "WinProbabilities",
    "beat_probability",
    "best_index",
    "best_of_k",
    "best_of_k_curve",
    "best_of_k_curves",
    "best_of_k_indices",
    "best_of_k_probabilities",
    "boundary_checks",
    "compare_protocols",
    "default_ks",
    "divergence_by_region",
    "expected_best_of_k",
    "flattening_k",
    "inclusion_verdicts",
    "overtake_k",
    "overtakes",
    "rank_optimizers",
    "rank_order",
    "seed_noise",
    "select_best",
    "steps_to_target",
    "study_seed",
    "summarize",
    "target_sweep",
    "verdict",
    "win_probabilities",
]
