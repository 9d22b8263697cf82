"""dualgrad's jax work needs float64, but turning on `jax_enable_x64` for the whole process
would change the user's own jax code (`jnp.zeros(3)` would become float64). dualgrad scopes
the setting to its own calls (`backend.x64`): user jax code behaves the same before and after
dualgrad ran, and dualgrad's float64 stays float64 (checked against numpy float64 at a
tolerance float32 rounding cannot meet).

Each scenario runs in a fresh interpreter: the first use of jax is what used to flip the flag,
and other test modules set it globally."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

SCRIPT = textwrap.dedent('''
    import json, sys, threading
    import numpy as np
    import jax, jax.numpy as jnp
    if sys.argv[1] == "user-x64":
        jax.config.update("jax_enable_x64", True)

    def user_jax():
        """What a user's own jax code sees: default dtypes, conversions, jit, the flag."""
        return [str(jnp.zeros(3).dtype), str(jnp.asarray(np.ones(2)).dtype),
                str(jnp.arange(3).dtype), str((jnp.ones(2) * 1.5).dtype),
                str(jax.device_put(np.ones(2)).dtype),
                str(jax.jit(lambda a: a + 1)(np.ones(2)).dtype), bool(jax.config.x64_enabled),
                float(jnp.asarray(0.1) * 3)]

    before = user_jax()
    import dualgrad as dg
    import dualgrad.static as ds

    out = {}
    a = np.array([0.1, 0.7, -1e-300, 3.3])
    b = np.array([1e-10, 2.2, 5.0, -0.3])
    x = dg.tensor(a, device="jax", requires_grad=True)
    y = dg.tensor(b, device="jax")
    out["elementwise"] = (x * 3.3 + y / 7.0 - x * y).detach()
    out["reduction"] = (x * y).sum().detach()
    out["matmul"] = (x.reshape(2, 2) @ y.reshape(2, 2)).detach()
    for _ in range(4):  # node by node first, then one compiled backward program
        x.grad = None
        (x * y * 0.3).sum().backward()
    out["grad"] = x.grad
    (gx,) = dg.autograd.grad((x * x).sum(), [x])
    out["autograd_grad"] = gx
    z = dg.ones(4, device="jax", dtype=dg.float64)
    z[1] = 0.1
    z.mul_(dg.tensor(b, device="jax"))
    out["in_place"] = z
    out["to_jax"] = dg.tensor(a).to("jax")
    f32 = dg.tensor(a.astype(np.float32), device="jax") * 2
    out["float32"] = f32

    w = ds.Variable(a, dtype=ds.float64)
    p = ds.placeholder(ds.float64, [4])
    loss = ds.reduce_sum(w * p)
    train = ds.train.GradientDescentOptimizer(0.1).minimize(loss)
    with ds.Session() as s:
        s.run(ds.global_variables_initializer())
        s.run(train, {p: b})
        out["static_step"] = s.run(w)
        out["static_fetch"] = s.run(w * p, {p: b})
        w.load(b, s)
        out["static_load"] = s.run(w)

    from dualgrad import symbolic
    leaf = dg.tensor(a, requires_grad=True)
    out["lambdify_jax"] = np.asarray(symbolic.lambdify((leaf * 3.3).sum(), backend="jax")(a))

    during = []  # dualgrad in another thread while the user's code runs in this one
    t = threading.Thread(target=lambda: during.append((x * 2).detach()))
    t.start(); t.join()
    out["thread"] = during[0]

    def as_json(v):
        arr = np.asarray(v.detach().cpu().numpy() if hasattr(v, "cpu") else v)
        return {"dtype": str(arr.dtype), "values": arr.astype(np.float64).ravel().tolist()}

    print(json.dumps({"before": before, "after": user_jax(),
                      "results": {k: as_json(v) for k, v in out.items()}}))
''')

A = np.array([0.1, 0.7, -1e-300, 3.3])
B = np.array([1e-10, 2.2, 5.0, -0.3])
EXPECTED = {  # numpy float64, the independent oracle
    "elementwise": A * 3.3 + B / 7.0 - A * B,
    "reduction": np.sum(A * B),
    "matmul": A.reshape(2, 2) @ B.reshape(2, 2),
    "grad": B * 0.3,
    "autograd_grad": 2 * A,
    "in_place": np.array([1.0, 0.1, 1.0, 1.0]) * B,
    "to_jax": A,
    "float32": A.astype(np.float32) * np.float32(2),
    "static_step": A - 0.1 * B,
    "static_fetch": (A - 0.1 * B) * B,
    "static_load": B,
    "thread": A * 2,
    "lambdify_jax": np.sum(A * 3.3),
}


def _run(mode: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", ["user-default", "user-x64"])
def test_user_jax_unchanged_and_float64_kept(mode):
    got = _run(mode)
    assert got["before"] == got["after"]
    if mode == "user-default":  # jax's own default (float32) is what the user keeps seeing
        assert got["before"][:6] == ["float32", "float32", "int32", "float32", "float32", "float32"]
        assert got["before"][6] is False
    else:
        assert got["before"][:6] == ["float64", "float64", "int64", "float64", "float64", "float64"]
    results = got["results"]
    assert set(results) == set(EXPECTED)
    for name, want in EXPECTED.items():
        r = results[name]
        assert r["dtype"] == ("float32" if name == "float32" else "float64"), (name, r["dtype"])
        # 1e-14: float32 rounding anywhere on the way (~1e-8) cannot pass
        np.testing.assert_allclose(r["values"], np.ravel(want), rtol=1e-14, atol=0, err_msg=name)
