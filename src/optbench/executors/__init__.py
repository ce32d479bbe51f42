"""Executors: who trains a study's pending trials (this process, local processes, Ray)."""

from optbench.executors.common import Heartbeat, local_worker, process_alive
from optbench.executors.local import run_inline, run_processes
from optbench.executors.ray_cluster import run_ray

EXECUTORS = ("inline", "processes", "ray")

__all__ = [
    "EXECUTORS",
    "Heartbeat",
    "local_worker",
    "process_alive",
    "run_inline",
    "run_processes",
    "run_ray",
]
