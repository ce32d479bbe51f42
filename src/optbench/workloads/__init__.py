"""Workloads: a registry of declarative specs (data + task, model, batch size, budget,
evaluation cadence, target, base learning rate), each with a ``<name>_cpu`` variant.

>>> from optbench import workloads
>>> workloads.available("fmnist_*")[:2]
['fmnist_cnn_small', 'fmnist_cnn_small_cpu']
>>> workloads.create("fmnist_mlp_cpu").budget
1500
"""

from optbench.workloads import zoo
from optbench.workloads.classification import ClassificationProblem, ImageClassification
from optbench.workloads.language import CharLanguageModel, LanguageProblem
from optbench.workloads.models import CharLSTM, char_lstm, mlp, simple_cnn
from optbench.workloads.registry import available, create, register, register_spec, unregister
from optbench.workloads.spec import Problem, Task, WorkloadSpec

__all__ = [
    "CharLSTM",
    "CharLanguageModel",
    "ClassificationProblem",
    "ImageClassification",
    "LanguageProblem",
    "Problem",
    "Task",
    "WorkloadSpec",
    "available",
    "char_lstm",
    "create",
    "mlp",
    "register",
    "register_spec",
    "simple_cnn",
    "unregister",
    "zoo",
]
