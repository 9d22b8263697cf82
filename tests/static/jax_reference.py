"""Helpers for the control-flow tests: jax references evaluated in 64-bit mode (scoped to the
call, so the process's jax setting is left alone)."""
from __future__ import annotations

import jax
import numpy as np


def grad(f, *args):
    with jax.enable_x64(True):
        return [np.asarray(g) for g in jax.grad(f, argnums=tuple(range(len(args))))(*args)]


def jit_grad(f, *args):
    with jax.enable_x64(True):
        return [np.asarray(g) for g in f(*args)]


def value(f, *args):
    with jax.enable_x64(True):
        return np.asarray(f(*args))
