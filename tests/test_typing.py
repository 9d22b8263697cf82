"""The public API is typed: mypy checks a user's script written in PyTorch's and TF1's idioms
with no error, infers `Tensor` for tensor methods and operators, and reports each of three
planted mistakes on its own line (and nothing else).

Tensor's methods are attached at import by `eager/methods.py` and friends; type checkers see
them through `eager/declared.pyi`, so a test also holds that file to the runtime methods."""
from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

from dualgrad.eager import methods
from dualgrad.eager.tensor import Tensor
from dualgrad.ops.registry import Op

ROOT = Path(__file__).resolve().parents[1]
DECLARED = ROOT / "dualgrad" / "eager" / "declared.pyi"

USER_SCRIPT = '''\
import numpy as np

import dualgrad as dg
import dualgrad.nn as nn
import dualgrad.optim as optim
import dualgrad.static as tf

# PyTorch's idioms: a model, an optimizer, a training loop
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
opt = optim.SGD(model.parameters(), lr=0.1)
x = dg.randn(16, 4)
y = dg.randn(16, 1)
for _ in range(3):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
w = dg.randn(4, 1, requires_grad=True)
z = x @ w + 1
s = (z * z).sum()
s.backward(retain_graph=True)
reveal_type(z)
reveal_type(s)
reveal_type(x.mean(0).exp())
reveal_type(-x.T)
reveal_type(w.grad)
reveal_type(loss)
reveal_type(dg.cat([dg.matmul(x, w), z.view(16, 1)], 1))

# TF1's idioms: placeholder, Variable, Session.run
xp = tf.placeholder(tf.float32, [None, 4], name="x")
W = tf.Variable(tf.zeros([4, 1]))
cost = tf.reduce_mean(tf.square(tf.matmul(xp, W)))
step = tf.train.GradientDescentOptimizer(0.1).minimize(cost)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    value = sess.run([cost, step], feed_dict={xp: np.ones((2, 4), np.float32)})
reveal_type(xp)
'''

PLANTED = '''\
total: int = x.sum()
loss.backward(1, 2, 3)
bad = x.matmul("w")
'''

CONFIG = """\
[mypy]
follow_imports = silent
[mypy-jax.*,jaxlib.*,sympy.*,mpmath.*,scipy.*,torch.*,tensorboard.*,safetensors.*,ml_dtypes.*]
follow_imports = skip
ignore_missing_imports = True
"""


def _run_mypy(tmp_path: Path) -> dict[str, list[str]]:
    """mypy on the clean and the planted script in one run: file name -> its output lines."""
    (tmp_path / "clean.py").write_text(USER_SCRIPT)
    (tmp_path / "planted.py").write_text(USER_SCRIPT + PLANTED)
    (tmp_path / "mypy.ini").write_text(CONFIG)
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--cache-dir", str(tmp_path / "cache"),
         "--no-error-summary", "--show-error-codes", "clean.py", "planted.py"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert proc.stderr == "", proc.stderr
    out: dict[str, list[str]] = {"clean.py": [], "planted.py": []}
    for line in proc.stdout.splitlines():
        out[line.split(":", 1)[0]].append(line)
    return out


def test_a_user_script_type_checks_and_planted_mistakes_are_reported(tmp_path):
    out = _run_mypy(tmp_path)
    clean = out["clean.py"]
    errors = [line for line in clean if ": error:" in line]
    assert errors == [], "\n".join(errors)
    revealed = [re.search(r'Revealed type is "(.*)"', line).group(1) for line in clean if "Revealed" in line]
    tensor = "dualgrad.eager.tensor.Tensor"
    assert revealed == [tensor] * 4 + [f"{tensor} | None", tensor, tensor, "dualgrad.static.graph.Tensor"]

    first = USER_SCRIPT.count("\n") + 1
    planted = [line for line in out["planted.py"] if ": error:" in line]
    lines = {int(line.split(":")[1]) for line in planted}
    assert lines == {first, first + 1, first + 2}, "\n".join(planted)
    by_line = {n: " ".join(line for line in planted if int(line.split(":")[1]) == n) for n in lines}
    assert 'expression has type "Tensor", variable has type "int"' in by_line[first]
    assert "[arg-type]" in by_line[first + 1] and '"backward" of "TensorMethods"' in by_line[first + 1]
    assert 'Argument 1 to "matmul" of "TensorMethods" has incompatible type "str"' in by_line[first + 2]


def _tensor_body_names() -> set[str]:
    tree = ast.parse((ROOT / "dualgrad" / "eager" / "tensor.py").read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    defs = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    return defs | {t.id for n in cls.body if isinstance(n, ast.Assign) for t in n.targets
                   if isinstance(t, ast.Name)}


def _declared() -> dict[str, list[str]]:
    """Method name -> its parameter names after self, from declared.pyi."""
    tree = ast.parse(DECLARED.read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "TensorMethods")
    out = {}
    for fn in cls.body:
        if isinstance(fn, ast.FunctionDef):
            a = fn.args
            names = [p.arg for p in a.posonlyargs + a.args][1:] + ([f"*{a.vararg.arg}"] if a.vararg else [])
            names += [p.arg for p in a.kwonlyargs] + ([f"**{a.kwarg.arg}"] if a.kwarg else [])
            out[fn.name] = names
    return out


def _runtime_params(name: str, fn) -> list[str]:
    op = methods._METHODS.get(name)
    if isinstance(op, Op):  # an op bound by _as_method takes the op's other operands
        return ["other"] * (op.nin - 1)
    if isinstance(fn, staticmethod):  # __new__: the legacy constructor's (*args, **kwargs)
        fn = fn.__func__
    params = list(inspect.signature(fn).parameters.values())[1:]
    return [f"*{p.name}" if p.kind is p.VAR_POSITIONAL else f"**{p.name}" if p.kind is p.VAR_KEYWORD
            else p.name for p in params]


def test_declared_pyi_names_every_attached_method_with_its_parameters():
    # (`__slotnames__`: copyreg's cache, set on the class by the first copy.deepcopy of a tensor)
    skip = {"__module__", "__dict__", "__doc__", "__slots__", "__slotnames__", "__weakref__"}
    skip |= _tensor_body_names()
    attached = {k: v for k, v in vars(Tensor).items()
                if k not in skip and type(v).__name__ != "member_descriptor"}
    declared = _declared()
    missing = [f"    def {name}({', '.join(['self', *_runtime_params(name, attached[name])])}) -> Tensor: ..."
               for name in sorted(set(attached) - set(declared))]
    assert not missing, "declare in dualgrad/eager/declared.pyi (with types):\n" + "\n".join(missing)
    assert sorted(set(declared) - set(attached)) == [], "declared.pyi names methods Tensor does not have"
    for name, fn in attached.items():
        if isinstance(fn, property):
            continue
        assert declared[name] == _runtime_params(name, fn), name
