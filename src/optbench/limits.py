"""The largest value optbench accepts for every count and size a user can give.

Each bound is far above any real use, and low enough that work up to it neither exhausts the
memory nor runs for hours before the first trial: a value beyond it is an error before anything
is read, built or stored, naming the field and the bound (docs/running.md, "Limits"). Integers
without a bound of their own (``seed``) stop at :data:`optbench.errors.MAX_INT`, the largest
that SQLite and PostgreSQL store alike. The bounds are fixed, not read from the machine, so that
a file means the same wherever it runs.
"""

from __future__ import annotations

from optbench.errors import MAX_INT

#: Points of one study; all of them are enqueued when the study is prepared.
MAX_TRIALS = 10_000
#: Seeds (replicates) of every point.
MAX_SEEDS = 1_000
#: Trials of one study, points x seeds: enqueuing 10 000 takes seconds, 100 000 half a minute
#: and a gigabyte.
MAX_QUEUED = 10_000
#: Training steps of one trial (and steps between evaluations).
MAX_BUDGET = 10**9
#: Local worker processes of the ``processes`` executor.
MAX_WORKERS = 1024
#: Trials sharing one GPU (``trials_per_gpu``; a Ray trial's smallest share of a GPU is its
#: inverse): a CUDA context alone takes about half a gigabyte, so even a 141 GB GPU holds fewer.
MAX_TRIALS_PER_GPU = 256
#: Torch threads of one trial.
MAX_THREADS = 1024
#: Attempts at one trial that fails (``max_attempts``).
MAX_ATTEMPTS = 100
#: ``field: (minimum, maximum)`` of every integer field of an experiment (and of a study plan).
INTEGER_FIELDS = {
    "trials": (1, MAX_TRIALS),
    "initial_trials": (1, MAX_TRIALS),
    "seeds": (1, MAX_SEEDS),
    "seed": (0, MAX_INT),
    "budget": (1, MAX_BUDGET),
    "eval_every": (0, MAX_BUDGET),
    "workers": (1, MAX_WORKERS),
    "trials_per_gpu": (1, MAX_TRIALS_PER_GPU),
    "threads": (1, MAX_THREADS),
    "max_attempts": (1, MAX_ATTEMPTS),
}
#: Characters of an optimizer's name or import path, as the store's studies table keeps it.
MAX_OPTIMIZER_NAME = 100
#: Values of one ``choice`` hyperparameter.
MAX_CHOICES = 1_000
#: Bootstrap resamples of a report statistic.
MAX_RESAMPLES = 100_000

#: Size of a YAML file (experiment, protocol, search space), checked before it is read: the
#: largest shipped file has 3 KB, and 256 KiB parse in about a second.
MAX_YAML_BYTES = 256 * 1024
#: Nesting of mappings and lists in a YAML file (a protocol file needs 5).
MAX_YAML_DEPTH = 20
#: Nodes (keys, values, items) of a YAML document once its aliases are expanded (a protocol file
#: has a few hundred): an alias that would go beyond is refused before it is expanded.
MAX_YAML_NODES = 100_000

#: Bytes of one data file once decompressed (the largest file optbench reads whole, Fashion-MNIST's
#: training images, holds 47 MB): a gzip file that inflates beyond is refused before it is read.
MAX_DECOMPRESSED_BYTES = 2**31
