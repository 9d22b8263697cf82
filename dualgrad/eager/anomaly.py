"""`detect_anomaly`: record where each op was created and raise on NaN gradients."""
from __future__ import annotations

from . import grad_mode


class detect_anomaly:  # noqa: N801 (PyTorch's name)
    """Context manager: a backward that produces NaN raises, naming the forward op's line."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._previous = grad_mode.state.anomaly
        grad_mode.state.anomaly = self.check_nan
        return self

    def __exit__(self, *exc) -> None:
        grad_mode.state.anomaly = self._previous


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on (torch.is_anomaly_enabled)."""
    return grad_mode.state.anomaly


def set_detect_anomaly(mode: bool) -> None:
    """Turns anomaly detection on or off (torch.autograd.set_detect_anomaly)."""
    grad_mode.state.anomaly = bool(mode)
