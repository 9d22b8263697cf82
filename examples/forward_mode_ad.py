"""Forward-mode automatic differentiation, as PyTorch's forward-mode AD tutorial writes it
(swap `dualgrad as dg` for `torch`): a dual tensor carries a tangent through a function, a
module and a custom Function with a `jvp`, giving Jacobian-vector products without a
backward pass; the full Jacobian of a small map column by column.
Run: python examples/forward_mode_ad.py"""
import dualgrad as dg
import dualgrad.autograd.forward_ad as fwAD

dg.manual_seed(0)
primal = dg.randn(10, 10, dtype=dg.float64)
tangent = dg.randn(10, 10, dtype=dg.float64)


def fn(x, y):
    return x ** 2 + y ** 2


class Fn(dg.autograd.Function):
    @staticmethod
    def forward(ctx, foo):
        result = dg.exp(foo)
        ctx.result = result
        return result

    @staticmethod
    def jvp(ctx, gI):
        gO = gI * ctx.result
        del ctx.result
        return gO

    @staticmethod
    def backward(ctx, gO):
        return gO * dg.exp(gO)


def jacobian_by_columns(f, x):
    """d f / d x, one forward pass per input element (forward mode's natural unit)."""
    columns = []
    for i in range(x.numel()):
        direction = dg.zeros(x.numel(), dtype=x.dtype)
        direction[i] = 1.0
        with fwAD.dual_level():
            out = f(fwAD.make_dual(x, direction.reshape(x.shape)))
            columns.append(fwAD.unpack_dual(out).tangent.reshape(-1))
    return dg.stack(columns, dim=1)


def main() -> None:
    with fwAD.dual_level():
        dual_input = fwAD.make_dual(primal, tangent)
        dual_output = fn(dual_input, primal)
        jvp = fwAD.unpack_dual(dual_output).tangent
    print(f"fn jvp sum {jvp.sum().item():.12f}")

    model = dg.nn.Linear(5, 5).double()
    x = dg.randn(16, 5, dtype=dg.float64)
    with fwAD.dual_level():
        out = model(fwAD.make_dual(x, dg.ones_like(x)))
        print(f"linear jvp sum {fwAD.unpack_dual(out).tangent.sum().item():.12f}")

    with fwAD.dual_level():
        dual_output = Fn.apply(fwAD.make_dual(primal, tangent))
        print(f"custom jvp sum {fwAD.unpack_dual(dual_output).tangent.sum().item():.12f}")

    point = dg.tensor([0.5, -1.0, 2.0], dtype=dg.float64)
    jac = jacobian_by_columns(lambda v: dg.stack([v[0] * v[1], v.sin().sum(), v.norm()]), point)
    print(f"jacobian {jac.flatten().tolist()}")
    print("forward_mode_ad: ok")


if __name__ == "__main__":
    main()
