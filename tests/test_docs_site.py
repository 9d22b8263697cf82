"""The docs site builds with warnings as errors, and its API reference lists the public API
of every front end (generated from the docstrings, methods included)."""
from __future__ import annotations

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_mkdocs_builds_strict_with_an_api_reference(tmp_path):
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    for page, names in {"eager": ["dualgrad.tensor", "dualgrad.add", "dualgrad.Tensor.backward",
                                  "dualgrad.Tensor.sum", "dualgrad.no_grad"],
                        "static": ["dualgrad.static.placeholder", "dualgrad.static.Session",
                                   "dualgrad.static.gradients.gradients"],
                        "symbolic": ["dualgrad.symbolic.grad", "dualgrad.symbolic.check.check",
                                     "dualgrad.symbolic.expr.expr", "dualgrad.symbolic.lambdify.lambdify"],
                        "testing": ["dualgrad.testing.gradcheck.gradcheck",
                                    "dualgrad.testing.check_op.check_op"],
                        "viz": ["dualgrad.viz.to_dot", "dualgrad.viz.render"]}.items():
        html = (site / "api" / page / "index.html").read_text()
        ids = set(re.findall(r'id="(dualgrad\.[\w.]+)"', html))
        assert set(names) <= ids, (page, sorted(set(names) - ids))
    assert (site / "viz" / "index.html").exists() and (site / "images" / "seed-eager.svg").exists()
