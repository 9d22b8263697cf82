"""Second (and higher) order through `ds.while_loop`: the gradient of a `WhileGrad` op.

A `WhileGrad` runs a loop's reverse pass inside a backend kernel, which leaves no graph to
differentiate. Its gradient therefore re-expresses the same computation as graph ops and
differentiates that: `ds.while_loop`s over copies of the body's, the cond's and the
per-iteration VJP's ops. A counting loop finds the trip count; a second loop walks the
iterations from the last to the first, recomputing iteration k's loop variables from the start
in a nested loop (O(n^2) body runs, nothing stored, any trip count, both backends) and applying
the VJP. The gradient of that is made of first-order loop gradients again, so each further
order adds one such layer.

Bodies that contain a `ds.cond` or `ds.while_loop` are refused: their traced sub-graphs are
bound to the tensors they capture and cannot be copied onto new ones.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..errors import GraphError
from ..ops import Spec
from .control_flow_grad import incoming
from .control_flow_loop import while_loop
from .control_flow_trace import GRADIENTS, KINDS, SubGraph, _needed
from .creation import constant, zeros_like
from .gradients import branch_gradients
from .graph import Operation, Tensor
from .tf_ops import logical_and


def clone(sub: SubGraph, values: dict, what: str) -> list:
    """`sub`'s outputs recomputed from `values` ({parameter tensor: new tensor}): every owned op
    the outputs need is created again with its inputs substituted; outside tensors are read as
    they are. The copies keep the traced specs (made under the loop's shape invariants)."""
    mapping = dict(values)
    for op in sorted(_needed(sub.outputs, sub.owned), key=lambda o: o._id):
        if op.type in KINDS:
            raise GraphError(f"{what}: the body contains the control-flow op {op.name} (created at "
                             f"{op.where}); a second derivative through a ds.while_loop whose body "
                             "holds a ds.cond or ds.while_loop is not supported")
        inputs = [mapping.get(a, a) if isinstance(a, Tensor) else a for a in op.inputs]
        new = op.graph.create_op(op.type, inputs, op.attrs, [Spec(t.shape, t.dtype) for t in op.outputs],
                                 registry_op=op.registry_op, name=op.name.rsplit("/", 1)[-1])
        mapping.update(zip(op.outputs, new.outputs, strict=True))
    return [mapping.get(t, t) for t in sub.outputs]


def reexpress(op: Operation) -> list:
    """The outputs of the WhileGrad `op`, computed again by graph-level ds.while_loops."""
    fwd = op.attrs["forward"]
    n, nf, limit = fwd.attrs["n_vars"], op.attrs["n_float"], fwd.attrs["maximum_iterations"]
    cond_sg, body, vjp = fwd.attrs["cond"], fwd.attrs["body"], op.attrs["vjp"]
    what = f"gradient of the gradient of the ds.while_loop {fwd.name} (created at {fwd.where})"
    inits, seeds, wanted = list(op.inputs[:n]), list(op.inputs[n:n + nf]), op.attrs["wanted"]
    shapes = [t.shape for t in fwd.outputs]

    def step(v: Sequence) -> list:
        return clone(body, dict(zip(body.params, v, strict=True)), what)

    def keep_going(k, v: Sequence):
        ok = clone(cond_sg, dict(zip(cond_sg.params, v, strict=True)), what)[0]
        return ok if limit is None else logical_and(k < limit, ok)

    def counted(bound):  # [trip count or bound, loop variables after it]
        go = (lambda k, *v: keep_going(k, v)) if bound is None else (lambda i, *v: i < bound)
        return while_loop(go, lambda i, *v: [i + 1, *step(v)], [constant(0), *inits],
                          shape_invariants=[(), *shapes], return_same_structure=True)

    def back(j, *carry):
        g, gc = carry[:nf], carry[nf:]
        v = counted(j - 1)[1:]  # iteration j-1's loop variables, recomputed from the start
        out = clone(vjp, dict(zip(vjp.params, [*v, *g], strict=True)), what)
        return [j - 1, *out[:nf], *(a + b for a, b in zip(gc, out[nf:], strict=True))]

    trips = counted(None)[0]
    float_shapes = [t.shape for t in op.outputs]
    result = while_loop(lambda j, *c: j > 0, back, [trips, *seeds, *(zeros_like(c) for c in wanted)],
                        shape_invariants=[(), *float_shapes], return_same_structure=True)
    return list(result[1:])


def while_grad_grad(op: Operation, grads: list, needed: list) -> list:
    """The gradient rule of a WhileGrad op: differentiate its graph-level re-expression."""
    # a tensor can be an input twice (a loop's initial value that the body also reads): the
    # re-expression reads it in both roles, so its whole gradient goes to the first position
    xs = list(dict.fromkeys(t for t, want in zip(op.inputs, needed, strict=True) if want))
    if not xs:
        return [None] * len(op.inputs)
    graph = op.graph
    with graph.as_default(), graph.name_scope(op.name.rsplit("/", 1)[0] + "_grad"):
        gs = dict(zip(xs, branch_gradients(reexpress(op), xs, incoming(op, grads)), strict=True))
    return [gs.pop(t, None) if want else None for t, want in zip(op.inputs, needed, strict=True)]


GRADIENTS["WhileGrad"] = while_grad_grad
