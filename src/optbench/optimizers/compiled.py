"""RMSPROP and NADAM of Table 1 (Choi et al., 2019) as single-pass kernels built by TorchInductor.

No kernel shipped with torch computes either rule in its Table-1 form (``fused`` says why), so
their ``fused`` path compiles one. Each rule is written here a second time, over a chunk of
``CHUNK`` parameters flattened to 1-D, with the floating-point operations of its foreach version
in ``functional`` in the same order: ``addcmul`` as ``v + (s * g) * g``, ``addcdiv`` as
``x + (s * a) / d``, and ``lerp``. Every number that can change between steps (the learning
rate, the bias factor, the hyperparameters) is a 0-dim tensor argument rather than a constant.

The chunk function is traced once with an independent symbolic length for each of its
``CHUNK`` slots and compiled by TorchInductor into one loop per slot that reads theta, g and the
two state buffers once and writes theta and the state once (C++ with OpenMP on CPU, Triton on
CUDA). Since lengths and numbers are inputs, one kernel per (rule, dtype, device, torch threads)
serves every model, every step of a learning-rate schedule and every trial in a process: nothing
is ever recompiled. A model is updated ``CHUNK`` parameters per call, the last call padded with
empty tensors. Kernels are kept for the life of the process, and TorchInductor caches the
compiled code on disk for later processes.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable

import torch
from torch import Tensor

from optbench.errors import raised
from optbench.optimizers.functional import bias_factor
from optbench.optimizers.fused import group_by_device_and_dtype, indices_by_step

CHUNK = 8  # parameters per kernel call
DTYPES = (torch.float32, torch.float64)
DEFAULT_MIN_ELEMENTS = 1_000_000  # the smallest CPU param group for which fused=None compiles
_SIZE_HINT = 2**16  # the traced length of slot i is 2^16 + i: large, and distinct per slot

Kernel = Callable[..., None]


def _rmsprop_chunk(
    params: list[Tensor],
    grads: list[Tensor],
    mean_squares: list[Tensor],
    moments: list[Tensor],
    lr: Tensor,
    momentum: Tensor,
    rho: Tensor,
    one_minus_rho: Tensor,
    eps: Tensor,
) -> None:
    """``functional.rmsprop`` over one chunk, with 0-dim tensors for its numbers."""
    for theta, g, v, m in zip(params, grads, mean_squares, moments, strict=True):
        v.mul_(rho).add_(one_minus_rho * g * g)
        m.mul_(momentum).add_(lr * g / (v + eps).sqrt())
        theta.sub_(m)


def _nadam_chunk(
    params: list[Tensor],
    grads: list[Tensor],
    first_moments: list[Tensor],
    second_moments: list[Tensor],
    one_minus_beta1: Tensor,
    beta2: Tensor,
    one_minus_beta2: Tensor,
    eps: Tensor,
    moment_step: Tensor,
    gradient_step: Tensor,
) -> None:
    """``functional.nadam`` over one chunk: ``moment_step`` is alpha_t b beta1 and
    ``gradient_step`` alpha_t b (1 - beta1). The m update is ``lerp``'s formula, written out."""
    weight = one_minus_beta1
    for theta, g, m, v in zip(params, grads, first_moments, second_moments, strict=True):
        difference = g - m
        m.copy_(
            torch.where(weight.abs() < 0.5, m + weight * difference, g - difference * (1 - weight))
        )
        v.mul_(beta2).add_(one_minus_beta2 * g * g)
        denominator = v.sqrt() + eps
        theta.sub_(moment_step * m / denominator).sub_(gradient_step * g / denominator)


def rmsprop(
    params: list[Tensor],
    grads: list[Tensor],
    mean_squares: list[Tensor],
    moments: list[Tensor],
    *,
    lr: float,
    momentum: float,
    rho: float,
    eps: float,
) -> None:
    """RMSPROP through the compiled kernel: the arguments and math of ``functional.rmsprop``."""
    numbers = (lr, momentum, rho, 1.0 - rho, eps)
    _apply(_rmsprop_chunk, [params, grads, mean_squares, moments], numbers)


def nadam(
    params: list[Tensor],
    grads: list[Tensor],
    first_moments: list[Tensor],
    second_moments: list[Tensor],
    steps: list[int],
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:
    """NADAM through the compiled kernel: the arguments and math of ``functional.nadam``.

    Parameters are grouped by their step t (normally all share one), since b_t depends on t.
    """
    for step, indices in indices_by_step(steps).items():
        factor = lr * bias_factor(step, beta1, beta2)
        numbers = (1.0 - beta1, beta2, 1.0 - beta2, eps, factor * beta1, factor * (1.0 - beta1))
        lists = [
            [tensors[i] for i in indices]
            for tensors in (params, grads, first_moments, second_moments)
        ]
        _apply(_nadam_chunk, lists, numbers)


def _apply(chunk_function: Callable[..., None], lists: list[list[Tensor]], numbers: tuple) -> None:
    """Run ``chunk_function``'s kernel over ``lists`` (params, grads, two state buffers)."""
    for group, _ in group_by_device_and_dtype(lists).values():
        first = group[0][0]
        compiled = kernel(chunk_function, first.dtype, first.device)
        scalars = [torch.scalar_tensor(number, dtype=first.dtype) for number in numbers]
        params, grads, *buffers = group
        flat = [[p.view(-1) for p in params], [g.reshape(-1) for g in grads]]
        flat += [[b.view(-1) for b in tensors] for tensors in buffers]
        padding = first.new_empty(0)
        for start in range(0, len(params), CHUNK):
            arguments = []
            for tensors in flat:
                chunk = tensors[start : start + CHUNK]
                arguments += chunk + [padding] * (CHUNK - len(chunk))
            compiled(*arguments, *scalars)


_kernels: dict[tuple, Kernel] = {}
_failures: dict[tuple, Exception] = {}  # not retried: a failed compile costs seconds each time
_kernels_lock = threading.Lock()


def kernel(chunk_function: Callable[..., None], dtype: torch.dtype, device: torch.device) -> Kernel:
    """The compiled kernel of ``chunk_function`` for ``dtype`` on ``device`` with the current
    number of torch threads (compiled into CPU kernels), compiled on first use."""
    key = (chunk_function, dtype, device, torch.get_num_threads())
    with _kernels_lock:
        if key in _failures:
            raise _failures[key]
        if key not in _kernels:
            try:
                _kernels[key] = _compile(chunk_function, dtype, device)
            except Exception as error:
                _failures[key] = error
                raise
        return _kernels[key]


def _compile(
    chunk_function: Callable[..., None], dtype: torch.dtype, device: torch.device
) -> Kernel:
    # Imported here: TorchInductor takes about a second to import, paid only by those who compile.
    import torch._inductor
    from torch._dynamo.source import ConstantSource
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.fx.experimental.proxy_tensor import make_fx
    from torch.fx.experimental.symbolic_shapes import DimDynamic, ShapeEnv

    lists = 4
    scalar_count = len(inspect.signature(chunk_function).parameters) - lists
    shape_env = ShapeEnv()
    lengths = [
        shape_env.create_unspecified_symint_and_symbol(
            _SIZE_HINT + slot, ConstantSource(f"length{slot}"), DimDynamic.DYNAMIC
        )
        for slot in range(CHUNK)
    ]

    def flat_chunk_function(*arguments: Tensor) -> None:
        tensors = [list(arguments[i * CHUNK : (i + 1) * CHUNK]) for i in range(lists)]
        chunk_function(*tensors, *arguments[lists * CHUNK :])

    with FakeTensorMode(shape_env=shape_env):
        example = [
            torch.empty(length, dtype=dtype, device=device)
            for _ in range(lists)
            for length in lengths
        ]
        example += [torch.empty((), dtype=dtype) for _ in range(scalar_count)]
        graph = make_fx(flat_chunk_function)(*example)
    # One kernel at a time: no pool of compile worker processes (in every trial worker) for it.
    return torch._inductor.compile(graph, example, options={"compile_threads": 1})


def chosen_by_default(params: list[Tensor]) -> bool:
    """Whether ``fused=None`` compiles the kernel for ``params``: on CPU, for groups of at least
    ``DEFAULT_MIN_ELEMENTS`` elements (docs/performance.md has the measurements). On CUDA the
    kernel has not been measured yet, so ``fused=None`` keeps the foreach code there."""
    on_cpu = all(p.device.type == "cpu" for p in params)
    return on_cpu and sum(p.numel() for p in params) >= DEFAULT_MIN_ELEMENTS


def unavailable_reason(rule: Callable[..., None], params: list[Tensor]) -> str | None:
    """Why ``rule`` (``rmsprop`` or ``nadam`` of this module) cannot update ``params``, or None
    when it can; compiles the kernels it will need, so that a failure shows here."""
    for p in params:
        if p.device.type not in ("cpu", "cuda") or p.dtype not in DTYPES:
            return (
                "the compiled kernel takes float32 and float64 tensors on CPU or CUDA, "
                f"not {p.dtype} on {p.device.type}"
            )
        if not p.is_contiguous():
            return f"the compiled kernel takes contiguous parameters, not one of shape {p.shape}"
    for device, dtype in {(p.device, p.dtype) for p in params}:
        try:
            missing = _compiler_missing(device.type)
            if missing is None:
                kernel(_CHUNK_FUNCTIONS[rule], dtype, device)
        except Exception as error:  # any failure to build the kernel makes the path unavailable
            missing = f"TorchInductor could not compile the kernel ({raised(error)})"
        if missing is not None:
            return missing
    return None


_CHUNK_FUNCTIONS = {rmsprop: _rmsprop_chunk, nadam: _nadam_chunk}


@functools.cache
def _compiler_missing(device_type: str) -> str | None:
    """Why TorchInductor cannot build kernels for ``device_type`` here, or None when it can."""
    if device_type == "cpu":
        from torch._inductor import cpp_builder, exc

        try:
            cpp_builder.get_cpp_compiler()
        except exc.InvalidCxxCompiler:
            return "TorchInductor finds no C++ compiler to build the CPU kernel"
        return None
    from torch.utils._triton import has_triton

    return None if has_triton() else "the CUDA kernel needs Triton, which is not installed"
