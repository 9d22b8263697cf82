"""From a run's plan (planning.py: the pruned, ordered graph) to one Python closure.

`Plan.function` is one closure that evaluates the ops with the registry kernels; the Session
runs it directly (numpy backend) or wraps it in `jax.jit` (jax backend). No source code is
generated.

Run semantics (SPEC §3), as TF1: a read of a variable (an op taking it as an input) that is
ordered after assigns of it — through data edges or control inputs, however indirectly — sees
the value the last of those assigns wrote; a read ordered after none sees the value from
before the run. An assign's output is the new value; assigns to the same variable chain in
graph order (so two `assign_add` ops in one run both count); all new values are committed
after the run, and only if it succeeds.

`v.initialized_value()` reads its variable or takes its initial value as the plan chose
(`Plan.choices`, planning.py).
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..backend import namespace_of
from ..errors import ShapeError
from ..ops.attrs import value_key
from .control_flow_trace import KINDS as CONTROL_FLOW
from .control_flow_trace import control_writes, inner_checks
from .creation import uniform_like_kernel
from .graph import Operation, Tensor
from .kinds import (
    ASSIGN,
    ASSIGN_TYPES,
    CONST,
    IDENTITY,
    INITIALIZED_VALUE,
    SHAPE,
    STATE,
    UNIFORM_LIKE,
    kind_of,
)
from .run_errors import op_failed
from .variables import Variable, as_var_dtype


class Plan:
    """What one kind of run needs: inputs (state, feeds, random draws) and outputs."""

    __slots__ = ("order", "fetches", "feeds", "state_in", "writes", "randoms",
                 "write_src", "extra_writes", "checks", "reads_after", "choices", "guards")

    def __init__(self, order, fetches, feeds, state_in, writes, randoms, checks=(),
                 reads_after=None, choices=None, guards=()):
        self.order: list[Operation] = order
        # InitializedValue op -> True (it reads its variable) / False (its initial value)
        self.choices: dict = choices or {}
        # the variables whose being initialised decided `choices` (empty: no such ops)
        self.guards: tuple = guards
        # op -> {variable: the assign whose value the op's read of that variable sees}
        self.reads_after: dict = reads_after or {}
        self.fetches: tuple = fetches          # Tensors (values) or Operations (None)
        self.feeds: tuple[Tensor, ...] = feeds  # fed tensors the pruned graph uses
        self.state_in: tuple[Variable, ...] = state_in  # variables whose value goes in (and
        # so must be initialised): the ones read, and the ones assign_add/sub update
        self.writes: tuple[Variable, ...] = writes   # variables assigned, in order
        self.randoms: tuple[Operation, ...] = randoms
        # (tensor, message) of each check_numerics the run computes: a finiteness flag per
        # check is appended after every other output
        self.checks: tuple = checks
        # where each write's new value sits in the function's outputs: a fetched assign output
        # is returned once and reused as the new state (fewer buffers out of XLA)
        fetch_tensors = [f for f in fetches if isinstance(f, Tensor)]
        last: dict = {}
        for op in order:
            if op.type in ASSIGN_TYPES:
                last[op.inputs[0]] = op.outputs[0]
            last.update(dict.fromkeys(control_writes(op)))  # new values come from `pending`
        src, extra = [], []
        for v in writes:
            out = last[v]
            if out is not None and out in fetch_tensors and out not in feeds:
                src.append(fetch_tensors.index(out))
            else:
                src.append(len(fetch_tensors) + len(extra))
                extra.append(v)
        self.write_src: tuple[int, ...] = tuple(src)
        self.extra_writes: tuple[Variable, ...] = tuple(extra)

    def signature(self) -> tuple:
        """A hashable description of what this plan computes: op types, attrs, constant values
        and wiring, with variables by identity and feeds by position. Two plans with the same
        signature compute the same function of the same arguments, so they share one compiled
        program — `sess.run(v.assign_add(1))` in a loop builds a new op each time but compiles
        once."""
        index = {op: i for i, op in enumerate(self.order)}
        feed_pos = {t: i for i, t in enumerate(self.feeds)}

        def ref(a):
            if not isinstance(a, Tensor):
                return ("c", value_key(a))
            if a in feed_pos:
                return ("f", feed_pos[a])
            if isinstance(a, Variable):
                return ("v", a)
            return ("o", index.get(a.op, a.op), a.value_index)

        ops = []
        for op in self.order:
            entry = (op.type, op.attrs, tuple(ref(a) for a in op.inputs),
                     tuple(index.get(c, c) for c in op.control_inputs))
            row = kind_of(op)
            if row is not None and row.step is STATE:
                entry += (op.outputs[0],)
            elif op.type == INITIALIZED_VALUE:
                entry += (self.choices[op],)
            ops.append(entry)
        fetches = tuple(ref(f) if isinstance(f, Tensor) else ("op", index.get(f, f)) for f in self.fetches)
        # (a shape promise's flag is computed in the program from its shape: part of the key)
        checks = tuple((ref(t), m.shape) if hasattr(m, "flag") else ref(t) for t, m in self.checks)
        return (tuple(ops), fetches, len(self.feeds), self.state_in, self.writes, checks)

    @property
    def n_fetch_values(self) -> int:
        return sum(1 for f in self.fetches if isinstance(f, Tensor))

    def function(self, xp=None, on_trace=None):
        """`fn(*state_in, *feeds, *random_draws) -> (*fetched values, *new values of
        extra_writes)`; the new value of `writes[i]` is output `write_src[i]`.

        The ops are turned once into a flat list of steps (constants and inputs pre-placed),
        so a run — or a jax trace — is one tight loop over registry kernels. With `xp` given
        (the backend's namespace), an op whose inputs already have the dtype the registry's
        promotion would give calls its kernel directly, skipping the per-call dispatch.
        `on_trace()` is called at each call (each jax trace), `on_trace(-1)` when it fails. An
        op that fails raises run_errors.py's error naming it."""
        fed = set(self.feeds)
        inputs = list(self.state_in) + list(self.feeds) + [op.outputs[0] for op in self.randoms]
        consts: dict = {}
        steps: list = []
        reads_after = self.reads_after
        for op in self.order:
            kind = op.type
            row = kind_of(op)
            step = row.step if row is not None else None
            out = op.outputs[0] if op.outputs else None
            seen = reads_after.get(op)
            if op.registry_op is not None:
                if out not in fed:
                    rop = op.registry_op
                    ins = tuple((isinstance(a, Tensor), _source(a, seen)) for a in op.inputs)
                    if xp is not None and not _needs_promotion(rop, op.inputs):
                        steps.append((_KERNEL, out, rop.kernel, ins, op.attrs))
                    else:
                        steps.append((_COMPUTE, out, rop.compute, ins, op.attrs))
            elif kind == INITIALIZED_VALUE:  # its variable's value, or its initial value
                if out not in fed:
                    steps.append((_IDENTITY, out, _source(op.inputs[0], seen) if self.choices[op]
                                  else op.inputs[1]))
            elif step is ASSIGN:
                steps.append((_ASSIGN, None if out in fed else out, op, row.combine,
                              _source(op.inputs[1], seen)))
            elif kind in CONTROL_FLOW:
                ins = tuple((isinstance(a, Tensor), _source(a, seen)) for a in op.inputs)
                steps.append((_CONTROL, op, CONTROL_FLOW[kind].runner(op, xp), ins, inner_checks(op)))
            elif out is None or out in fed:
                continue
            elif step is CONST:
                consts[out] = op.attrs["value"]
            elif step is UNIFORM_LIKE:
                steps.append((_UNIFORM_LIKE, out, op.inputs[0], op.attrs["dtype"]))
            elif step is SHAPE:
                steps.append((_SHAPE, out, op.inputs[0], op.attrs["dtype"].np))
            elif step is IDENTITY:
                steps.append((_IDENTITY, out, _source(op.inputs[0], seen)))
            # variable reads (STATE) and random draws (DRAW) come in as arguments; FED is fed
        fetch_tensors = tuple(f for f in self.fetches if isinstance(f, Tensor))
        state_in, extra_writes, order = self.state_in, self.extra_writes, self.order
        # check_numerics: a finiteness flag; a registry op's `check` (a singular matrix): its
        # flags, from the op's result and inputs; ds.Print's data (a message that `report`s):
        # the value itself; a shape promise (a message with a `flag`, static/shape_checks.py):
        # its flag of the value; a check inside a control-flow op (its op is not in the
        # order): the flag that op returned, found by (tensor, check), since a tensor may hold
        # two checks (a registry op's and a `set_shape` promise)
        ordered = set(order)
        checked = [(t, _Inner((t, m)) if t.op not in ordered else _VALUE if hasattr(m, "report") else
                    m.flag if hasattr(m, "flag") else None if isinstance(m, str) else
                    tuple((isinstance(a, Tensor), _source(a, reads_after.get(t.op))) for a in t.op.inputs))
                   for t, m in self.checks]

        def fn(*args):
            if on_trace is not None:
                on_trace()
            env = dict(consts)
            env.update(zip(inputs, args, strict=True))
            pending = dict(zip(state_in, args, strict=False))
            flags: dict = {}  # (tensor, check) inside a control-flow op -> the flag it returned
            try:  # (free until it raises: the failing step is found afterwards)
                for step in steps:
                    code = step[0]
                    if code is _KERNEL:
                        _, out, kernel, ins, attrs = step
                        env[out] = kernel(xp, *[env[a] if is_tensor else a for is_tensor, a in ins], **attrs)
                    elif code is _COMPUTE:
                        _, out, compute, ins, attrs = step
                        env[out] = compute([env[a] if is_tensor else a for is_tensor, a in ins], attrs)
                    elif code is _ASSIGN:
                        _, out, op, combine, src = step
                        var = op.inputs[0]
                        value = env[src]
                        if combine is not None:
                            value = combine(pending[var], value)
                        value = pending[var] = env[op] = as_var_dtype(_broadcast_check(op, value, var), var)
                        if out is not None:
                            env[out] = value
                    elif code is _UNIFORM_LIKE:
                        _, out, like, dtype = step
                        seed, like = env[out], env[like]
                        env[out] = uniform_like_kernel(namespace_of(like, seed), seed, like, dtype)
                    elif code is _CONTROL:  # ds.cond / ds.while_loop (control_flow.py)
                        _, op, run, ins, inner = step
                        outs, new, ok = run([env[a] if is_tensor else a for is_tensor, a in ins])
                        env.update(zip(op.outputs, outs, strict=True))
                        flags.update(zip(inner, ok, strict=True))
                        for var, value in zip(op.attrs["writes"], new, strict=True):
                            pending[var] = env[(op, var)] = value
                    elif code is _SHAPE:
                        _, out, x, dtype = step
                        env[out] = np.asarray(getattr(env[x], "shape", ()), dtype=dtype)
                    else:
                        env[step[1]] = env[step[2]]
            except Exception as e:
                if on_trace is not None:  # a failed trace compiles nothing
                    on_trace(-1)
                op = _step_op(step)
                error = op_failed(order.index(op), op, _step_inputs(step, env, pending), e)
                if error is None:
                    raise
                raise error from error.__cause__  # (numpy's or jax's own error)
            results = [env[t] for t in fetch_tensors]
            results.extend(pending[v] for v in extra_writes)
            for t, ins in checked:
                if ins.__class__ is _Inner:
                    results.append(flags[ins.key])
                    continue
                value = env[t]
                if ins is _VALUE:
                    results.append(value)
                    continue
                if callable(ins):
                    results.append(ins(value))
                    continue
                results.append(all_finite(value) if ins is None else t.op.registry_op.check.flags(
                    namespace_of(value), value, *[env[a] if is_tensor else a for is_tensor, a in ins],
                    **t.op.attrs))
            return tuple(results)

        return fn


def _step_op(step) -> Operation:
    """The graph op a step of `Plan.function` runs."""
    code = step[0]
    return step[2] if code is _ASSIGN else step[1] if code is _CONTROL else step[1].op


def _step_inputs(step, env: dict, pending: dict) -> list:
    """The input values a step had when it failed (None where one was never computed)."""
    code = step[0]
    if code is _KERNEL or code is _COMPUTE or code is _CONTROL:
        return [env.get(a) if is_tensor else a for is_tensor, a in step[3]]
    if code is _ASSIGN:
        return [pending.get(step[2].inputs[0]), env.get(step[4])]
    return [env.get(step[2])]


def _source(a, seen: dict | None):
    """Where a step finds input `a`: a variable read ordered after an assign of it takes that
    assign's value (stored in the run's environment under the assign op)."""
    if seen and isinstance(a, Variable):
        return seen.get(a, a)
    return a


_KERNEL, _COMPUTE, _CONTROL = "kernel", "compute", "control"  # steps of registry ops, control flow
_ASSIGN, _UNIFORM_LIKE, _SHAPE, _IDENTITY = ASSIGN, UNIFORM_LIKE, SHAPE, IDENTITY  # kinds.py's


def _needs_promotion(rop, inputs) -> bool:
    """Would `rop.compute` cast any of these inputs? Decided once from the static dtypes (feeds
    and variables always arrive in their tensor's dtype). The op's `weak` inputs (an update's
    learning rate) take no part, as in `promote_args`: they are passed as given either way."""
    if not (rop.promotes or rop.floating):
        return False
    if rop.weak:
        inputs = [a for i, a in enumerate(inputs) if i not in rop.weak]
    found = []
    for a in inputs:
        if isinstance(a, Tensor):
            found.append(a.dtype)
        elif hasattr(a, "dtype"):
            found.append(dtypes.from_numpy_dtype(a.dtype))
        elif not isinstance(a, (bool, int, float)):
            return True
    target = dtypes.result_dtype([_DtypeOnly(d) for d in found] + [
        a for a in inputs if isinstance(a, (bool, int, float))])
    if target is None:
        return True
    if rop.floating and not target.is_floating_point:
        return True
    return any(d is not target for d in found)


class _DtypeOnly:
    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype


def _broadcast_check(op: Operation, value, var: Variable):
    shape, wanted = tuple(getattr(value, "shape", ())), var._shape  # (every run: not `.shape`,
    if shape != wanted and len(shape) <= len(wanted) and all(  # which asks who is reading)
            a in (1, b) for a, b in zip(reversed(shape), reversed(wanted), strict=False)):
        return namespace_of(value).broadcast_to(value, wanted)
    if shape != wanted:
        raise ShapeError(f"{op.type}: cannot assign a value of shape {shape} to variable "
                         f"{var.op.name} of shape {wanted} (op '{op.name}' created at {op.where})")
    return value


_VALUE = "value"  # (a check whose output is its tensor's value: ds.Print, static/tf_print.py)


class _Inner:
    """A check inside a ds.cond/while_loop: its (tensor, check), the key of the flag the
    control-flow op returned."""

    __slots__ = ("key",)

    def __init__(self, key: tuple):
        self.key = key


def all_finite(value):
    """A flag the run checks before it commits anything (see `check_numerics`)."""
    xp = namespace_of(value)
    return xp.all(xp.isfinite(value))
