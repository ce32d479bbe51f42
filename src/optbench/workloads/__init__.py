"""Workloads: a registry of declarative specs (data + task, model, batch size, budget,
evaluation cadence, target, base learning rate), each with a ``<name>_cpu`` variant.

>>> from optbench import workloads
>>> workloads.available("fmnist_*")[:2]
['fmnist_cnn_small', 'fmnist_cnn_small_cpu']
>>> workloads.create("fmnist_mlp_cpu").budget
1500
"""

from optbench.workloads import zoo
from optbench.workloads.cifar import CifarClassification
from optbench.workloads.classification import ClassificationProblem, ImageClassification
from optbench.workloads.convnets import all_cnn_c, vgg16_bn
from optbench.workloads.imagenet import ImageNetClassification
from optbench.workloads.language import CharLanguageModel, LanguageProblem
from optbench.workloads.models import CharLSTM, char_lstm, mlp, simple_cnn
from optbench.workloads.registry import (
    available,
    create,
    register,
    register_spec,
    spec_of,
    unregister,
)
from optbench.workloads.resnets import cifar_resnet, resnet50
from optbench.workloads.spec import Problem, Task, WorkloadSpec
from optbench.workloads.token_lm import TokenLanguageModel
from optbench.workloads.transformer import transformer_lm

__all__ = [
    "CharLSTM",
    "CharLanguageModel",
    "CifarClassification",
    "ClassificationProblem",
    "ImageClassification",
    "ImageNetClassification",
    "LanguageProblem",
    "Problem",
    "Task",
    "TokenLanguageModel",
    "WorkloadSpec",
    "all_cnn_c",
    "available",
    "char_lstm",
    "cifar_resnet",
    "create",
    "mlp",
    "register",
    "register_spec",
    "resnet50",
    "simple_cnn",
    "spec_of",
    "transformer_lm",
    "unregister",
    "vgg16_bn",
    "zoo",
]
