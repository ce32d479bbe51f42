"""The workload registry (see :mod:`optbench.registry`): filled by a decorator, listed by
pattern, created by name with overrides. Registering a spec registers its cpu variant too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from optbench import imports
from optbench.errors import InvalidParameterError, shown
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


def spec_of(workload: str | WorkloadSpec, base: str | None = None) -> WorkloadSpec:
    """The spec ``workload`` names: a spec itself, a registered name, or an import path
    (:mod:`optbench.imports`) to a module attribute that is a spec or a function returning
    one (``mypkg.tasks:my_workload``, ``./tasks.py:my_workload``)."""
    if isinstance(workload, WorkloadSpec):
        return workload
    if not imports.is_import_path(workload):
        return WORKLOADS.get(workload)
    found = imports.load(workload, base, "workload")
    if callable(found) and not isinstance(found, (WorkloadSpec, type)):
        found = found()
    if not isinstance(found, WorkloadSpec):
        expected = f"a path to a WorkloadSpec or a function returning one (it gives {shown(found)})"
        raise InvalidParameterError("workload", workload, expected)
    return found
