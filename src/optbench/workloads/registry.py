"""The workload registry, after timm's: filled by a decorator, listed by pattern, created by
name with overrides. An unknown or duplicate name raises with the close matches."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

from optbench.errors import InvalidParameterError, unknown_name
from optbench.workloads.spec import WorkloadSpec

_SPECS: dict[str, WorkloadSpec] = {}


def register_spec(spec: WorkloadSpec, *, replace: bool = False) -> WorkloadSpec:
    """Register ``spec`` under its name, and its cpu variant when it has one."""
    variants = [spec, spec.cpu_variant()] if spec.cpu else [spec]
    for variant in variants:
        if variant.name in _SPECS and not replace:
            raise InvalidParameterError(
                "name", variant.name, "a workload name not yet registered (or replace=True)"
            )
    for variant in variants:
        _SPECS[variant.name] = variant
    return spec


def register(factory: Callable[[], WorkloadSpec]) -> Callable[[], WorkloadSpec]:
    """Decorator: register the spec that ``factory()`` returns."""
    register_spec(factory())
    return factory


def unregister(name: str) -> None:
    """Remove workload ``name`` and its cpu variant (for tests and interactive use)."""
    if name not in _SPECS:
        raise unknown_name("workload", name, _SPECS)
    _SPECS.pop(name)
    _SPECS.pop(f"{name}_cpu", None)


def available(pattern: str = "*") -> list[str]:
    """Registered workload names matching the shell-style ``pattern``, sorted."""
    return sorted(name for name in _SPECS if fnmatch.fnmatchcase(name, pattern))


def create(name: str, **overrides: Any) -> WorkloadSpec:
    """The spec of workload ``name``, with any field overridden, e.g.
    ``create("fmnist_mlp", budget=500)``."""
    if name not in _SPECS:
        raise unknown_name("workload", name, _SPECS)
    return _SPECS[name].replace(**overrides) if overrides else _SPECS[name]
