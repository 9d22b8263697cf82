"""The static graph's own op types (every op that is not a registry op or control flow),
declared once.

A registry op (`op.registry_op`) carries everything about itself; control flow is declared in
`control_flow_trace.KINDS`. What is left (placeholders, variables, constants, the assign
family, random draws, `stop_gradient`, `shape`, groups) is one row each here, saying what
`compile`, `gradients`, `symbolic.program` and the `Saver` need to know, so a new kind is
taught to them in one place (TF1's `RegisterGradient`/`NotDifferentiable`, torch's
`non_differentiable` markers). None of these ops has a gradient: `gradients` stops at any op
without a registry op, so every row is a leaf for differentiation.
"""
from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

# How `compile` evaluates an op of a kind (its step in the flat program).
FED = "fed"  # a placeholder: its value is a feed
STATE = "state"  # a variable read: the run's state comes in as an argument
CONST = "const"  # attrs["value"], placed once
ASSIGN = "assign"  # writes its variable: the new value from input 1 (and the old one)
DRAW = "draw"  # drawn on the host per run and passed in as an argument
UNIFORM_LIKE = "uniform_like"  # uniform values shaped like input 0, from a per-run seed
SHAPE = "shape"  # input 0's shape
IDENTITY = "identity"  # input 0's value
GROUP = "group"  # nothing: it only orders its control inputs


@dataclass(frozen=True)
class Kind:
    """One static op type.

    `reads`: the positions of the inputs a run evaluates (an assign's variable comes from the
    run's state, not from its input 0). `symbol`: a symbolic walk treats its output as an
    input variable of the formula. `passes`: its value is input 0's, so symbolic walks look
    through it. `reads_state`/`writes_state`: it needs the variable's current value / gives it
    a new one. `combine(old, value)`: how an assign merges the old value (None: replaces it).
    """

    name: str
    step: str
    reads: tuple[int, ...] = ()
    symbol: bool = False
    passes: bool = False
    random: bool = False
    reads_state: bool = False
    writes_state: bool = False
    combine: Callable | None = None


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("Placeholder", FED, symbol=True),
    Kind("Variable", STATE, symbol=True, reads_state=True),
    Kind("Const", CONST),
    Kind("Assign", ASSIGN, reads=(1,), writes_state=True),
    Kind("AssignAdd", ASSIGN, reads=(1,), reads_state=True, writes_state=True, combine=operator.add),
    Kind("AssignSub", ASSIGN, reads=(1,), reads_state=True, writes_state=True, combine=operator.sub),
    Kind("RandomUniform", DRAW, random=True),
    Kind("RandomStandardNormal", DRAW, random=True),
    Kind("TruncatedNormal", DRAW, random=True),
    Kind("RandomGamma", DRAW, random=True),  # (tf.random.gamma: static/tf_random.py)
    Kind("RandomPoisson", DRAW, random=True),  # (tf.random.poisson: static/tf_random.py)
    Kind("CandidateSampler", DRAW, random=True),  # (tf.nn.*_candidate_sampler: static/candidate_sampling.py)
    Kind("RandomUniformLike", UNIFORM_LIKE, reads=(0,), random=True),
    Kind("StopGradient", IDENTITY, reads=(0,), passes=True),
    Kind("Shape", SHAPE, reads=(0,)),
    Kind("NoOp", GROUP),
)}

# `Variable.initialized_value()`: its variable's value or its initial value, as the run's plan
# decides (planning.py), so no row here
INITIALIZED_VALUE = "InitializedValue"

ASSIGN_TYPES = frozenset(k.name for k in KINDS.values() if k.writes_state)
RANDOM_TYPES = frozenset(k.name for k in KINDS.values() if k.random)


def kind_of(op) -> Kind | None:
    """The row of a graph op's type; None for registry ops and control flow."""
    return KINDS.get(op.type)
