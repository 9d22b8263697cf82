"""`dg.cuda`: whether jax sees a GPU, and how many."""
from __future__ import annotations


def is_available() -> bool:
    from .eager.devices import gpu_available

    return gpu_available()


def device_count() -> int:
    if not is_available():
        return 0
    import jax

    return sum(1 for d in jax.devices() if d.platform == "gpu")
