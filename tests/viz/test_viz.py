"""`dualgrad.viz`: the DOT text is parsed back and compared with the graph it draws (walked
here independently through `grad_fn.next_functions` and `op.inputs`), and rendering runs
Graphviz where its `dot` program is installed."""
from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import dualgrad as dg
import dualgrad.static as ds
from dualgrad import viz

NODE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" \[(.*)\];$')
EDGE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)"(?: \[(.*)\])?;$')
ATTR = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
CLUSTER = re.compile(r'^\s*subgraph "cluster_[\d_]*" \{$')


def unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def parse(text: str) -> dict:
    """Nodes (id -> attrs, with the stack of cluster labels around it) and edges of DOT text."""
    nodes, edges, scopes = {}, [], []
    for line in text.splitlines():
        if CLUSTER.match(line):
            scopes.append(None)
        elif scopes and scopes[-1] is None and line.strip().startswith("label="):
            scopes[-1] = unquote(ATTR.search(line).group(2))
        elif line.strip() == "}" and scopes:
            scopes.pop()
        elif m := EDGE.match(line):
            attrs = {k: unquote(v) for k, v in ATTR.findall(m.group(3) or "")}
            edges.append((unquote(m.group(1)), unquote(m.group(2)), attrs))
        elif m := NODE.match(line):
            attrs = {k: unquote(v) for k, v in ATTR.findall(m.group(2))}
            attrs["scopes"] = tuple(scopes)
            nodes[unquote(m.group(1))] = attrs
    return {"nodes": nodes, "edges": edges}


def seed_regression_eager():
    x = dg.unsqueeze(dg.linspace(-1, 1, 8), dim=1)
    y = 3 * x.pow(2) + 2
    w = dg.rand(1, 1, requires_grad=True)
    w.name = "w"
    b = dg.rand(1, 1, requires_grad=True)
    b.name = "b"
    y_pred = x.pow(2).mm(w) + b
    loss = (0.5 * (y_pred - y) ** 2).sum()
    return loss, w, b, y_pred


def walk_grad_fns(root) -> tuple[set, set]:
    """Independent walk: the set of grad_fn objects and of (child, parent) edges."""
    seen, edges, stack = set(), set(), [root.grad_fn]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for child, _ in node.next_functions:
            if child is not None:
                edges.add((child, node))
                stack.append(child)
    return seen, edges


def test_eager_graph_has_every_grad_fn_leaf_and_edge():
    loss, w, b, _ = seed_regression_eager()
    graph = parse(viz.to_dot(loss))
    nodes, edges = walk_grad_fns(loss)
    kinds = [a["class"] for a in graph["nodes"].values()]
    assert kinds.count("output") == 1 and kinds.count("leaf") == 2
    drawn = sorted(a["label"].split("\n")[0] for a in graph["nodes"].values() if a["class"] != "output")
    names = sorted(f"{n.variable.name} (1, 1)" if type(n).__name__ == "AccumulateGrad" else type(n).__name__
                   for n in nodes)
    assert drawn == names and {"w (1, 1)", "b (1, 1)"} <= set(names)
    assert len(graph["edges"]) == len(edges) + 1  # plus grad_fn -> output


def test_eager_nodes_show_saved_shapes_hooks_retained_grads_and_freed_buffers():
    x = dg.tensor(np.ones((2, 3), np.float32))
    w = dg.ones(3, 4, requires_grad=True)
    w.name = "weight"
    w.register_hook(lambda g: g)
    h = x.mm(w)
    h.retain_grad()
    h.register_hook(lambda g: g * 1)
    loss = h.sum()
    labels = {a["label"] for a in parse(viz.to_dot(loss))["nodes"].values()}
    mm = next(label for label in labels if label.startswith("MmBackward0"))
    assert "saved: (2, 3), (3, 4)" in mm and "retains grad" in mm and "hooks: 1" in mm
    assert "weight (3, 4)\nfloat32\nhooks: 1" in labels
    loss.backward()
    freed = {a["label"] for a in parse(viz.to_dot(loss))["nodes"].values()}
    assert any(label.startswith("MmBackward0\nsaved: freed") for label in freed)


def test_names_with_quotes_backslashes_and_newlines_parse_back():
    w = dg.ones(2, requires_grad=True)
    w.name = 'a "quoted"\\name\nline2'
    graph = parse(viz.to_dot((w * 2).sum()))
    assert any(a["label"].startswith(w.name + " (2)") for a in graph["nodes"].values())


def test_a_long_chain_draws_without_recursion():
    x = dg.ones(1, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    assert len(parse(viz.to_dot(y))["nodes"]) == 5002


def seed_regression_static():
    ds.reset_default_graph()
    x = ds.placeholder(ds.float32, shape=(None, 1), name="x")
    y = ds.placeholder(ds.float32, shape=(None, 1), name="y")
    with ds.name_scope("model"):
        w = ds.Variable(ds.random_uniform([1], 0, 1.0, seed=1), name="w")
        b = ds.Variable(ds.zeros([1]), name="b")
        pred = ds.square(x) * w + b
    loss = ds.reduce_mean(ds.square(y - pred), name="loss")
    train = ds.train.GradientDescentOptimizer(0.1).minimize(loss)
    return x, w, loss, train


def test_static_graph_has_every_op_in_its_name_scope():
    x, w, loss, train = seed_regression_static()
    graph = ds.get_default_graph()
    parsed = parse(viz.to_dot(graph))["nodes"]
    assert len(parsed) == len(graph.get_operations())
    by_name = {}
    for attrs in parsed.values():
        by_name.setdefault(attrs["scopes"], []).append(attrs)
    for op in graph.get_operations():
        scopes = tuple(op.name.split("/")[:-1])
        assert any(a["class"] == op.type for a in by_name[scopes]), op.name
    placeholder = next(a for a in parsed.values()
                       if a["class"] == "Placeholder" and a["label"].startswith("x"))
    assert "(?, 1) float32" in placeholder["label"]
    variable = next(a for a in parsed.values() if a["class"] == "Variable" and a["label"].startswith("w"))
    assert variable["scopes"] == ("model",) and variable["shape"] == "ellipse"


def test_static_gradient_ops_are_set_apart():
    *_, train = seed_regression_static()
    text = viz.to_dot(ds.get_default_graph())
    gradient_ops = [op for op in ds.get_default_graph().get_operations() if op.name.startswith("gradients/")]
    parsed = parse(text)["nodes"]
    assert gradient_ops
    assert sum(1 for a in parsed.values() if a["scopes"][:1] == ("gradients",)) == len(gradient_ops)
    block = text.split('label="gradients";', 1)[1].split("\n", 3)
    assert block[1].strip() == 'style="dashed";' and block[2].strip() == 'color="red";'


def test_static_fetch_draws_only_the_pruned_subgraph():
    x, w, loss, train = seed_regression_static()
    graph = parse(viz.to_dot(loss))
    labels = [a["label"].split("\n")[0] for a in graph["nodes"].values()]
    assert "loss" in labels and not any(a["scopes"][:1] == ("gradients",) for a in graph["nodes"].values())
    ids = {k for k in graph["nodes"]}
    assert all(tail in ids and head in ids for tail, head, _ in graph["edges"])
    # oracle: the ancestors of loss by a walk over op.inputs and control inputs
    seen, stack = set(), [loss.op]
    while stack:
        op = stack.pop()
        if op.name not in seen:
            seen.add(op.name)
            stack.extend(t.op for t in op.inputs if isinstance(t, ds.Tensor))
            stack.extend(op.control_inputs)
    assert len(graph["nodes"]) == len(seen)
    control = [attrs for _, _, attrs in parse(viz.to_dot(train))["edges"] if attrs.get("class") == "control"]
    assert control and all(attrs["style"] == "dashed" for attrs in control)


def test_to_dot_refuses_other_objects():
    with pytest.raises(TypeError, match="viz.to_dot takes"):
        viz.to_dot(np.ones(3))


def test_render_without_graphviz_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    loss, *_ = seed_regression_eager()
    with pytest.raises(viz.GraphvizMissing, match="install Graphviz"):
        viz.render(loss, tmp_path / "loss.svg")
    assert viz.to_dot(loss)._repr_svg_() is None
    viz.render(loss, tmp_path / "loss.dot")
    assert (tmp_path / "loss.dot").read_text().startswith("digraph")
    with pytest.raises(ValueError, match="unknown picture format"):
        viz.render(loss, tmp_path / "loss.bmp")
    assert not (tmp_path / "loss.svg").exists() and not (tmp_path / "loss.bmp").exists()


@pytest.mark.usefixtures("dot_program")  # (deselected where Graphviz's dot is not installed)
def test_render_writes_svg_png_and_jupyter_svg(tmp_path):
    loss, *_ = seed_regression_eager()
    svg = viz.render(loss, tmp_path / "loss.svg")
    assert "<svg" in open(svg).read() and "MmBackward0" in open(svg).read()
    *_, train = seed_regression_static()
    png = viz.render(train, tmp_path / "train.png")
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in viz.to_dot(train)._repr_svg_()


def test_cli_graph_draws_a_scripts_loss(tmp_path):
    script = tmp_path / "fit.py"
    script.write_text("import dualgrad as dg\nw = dg.ones(2, requires_grad=True)\n"
                      "loss = (w * w).sum()\nloss.backward()\n")
    out = tmp_path / "fit.dot"
    result = subprocess.run([sys.executable, "-m", "dualgrad", "graph", str(script), "-o", str(out)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    labels = [a["label"] for a in parse(out.read_text())["nodes"].values()]
    heads = [label.split("\n")[0] for label in labels]
    assert "SumBackward0" in heads and "MulBackward0" in heads and "saved: freed" in labels[1]
    missing = subprocess.run([sys.executable, "-m", "dualgrad", "graph", "--tensor", "nope", str(script)],
                             capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert missing.returncode == 2 and "defines no global 'nope'" in missing.stderr
    assert "loss" in missing.stderr
