"""The workload registry (see :mod:`optbench.registry`): filled by a decorator, listed by
pattern, created by name with overrides. Registering a spec registers its cpu variant too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from optbench.registry import Registry
from optbench.workloads.spec import WorkloadSpec

WORKLOADS: Registry[WorkloadSpec] = Registry("workload")


def register_spec(spec: WorkloadSpec, *, replace: bool = False) -> WorkloadSpec:
    """Register ``spec`` under its name, and its cpu variant when it has one."""
    variants = [spec, spec.cpu_variant()] if spec.cpu else [spec]
    if not replace:
        for variant in variants:
            if variant.name in WORKLOADS:
                WORKLOADS.register(variant.name, variant)  # raises: the name is taken
    for variant in variants:
        WORKLOADS.register(variant.name, variant, replace=True)
    return spec


def register(factory: Callable[[], WorkloadSpec]) -> Callable[[], WorkloadSpec]:
    """Decorator: register the spec that ``factory()`` returns."""
    register_spec(factory())
    return factory


def unregister(name: str) -> None:
    """Remove workload ``name`` and its cpu variant (for tests and interactive use)."""
    WORKLOADS.unregister(name)
    if f"{name}_cpu" in WORKLOADS:
        WORKLOADS.unregister(f"{name}_cpu")


def available(pattern: str = "*") -> list[str]:
    """Registered workload names matching the shell-style ``pattern``, sorted."""
    return sorted(WORKLOADS.available(pattern))


def create(name: str, **overrides: Any) -> WorkloadSpec:
    """The spec of workload ``name``, with any field overridden, e.g.
    ``create("fmnist_mlp", budget=500)``."""
    spec = WORKLOADS.get(name)
    return spec.replace(**overrides) if overrides else spec
