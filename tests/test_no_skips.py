"""No test is skipped by default: a skipped test is a defect (CONTRIBUTING.md). An optional
oracle (torch, tensorflow, tensorboard, safetensors) is a fixture that tests/conftest.py
deselects where it is missing, or a module left out by its directory's `collect_ignore`; a case
that does not apply is not listed in the parametrization. This reads every test module's source
so that no `pytest.importorskip`, `pytest.skip(...)`, `skipif` or `mark.skip` creeps back."""
from __future__ import annotations

import ast
import pathlib

TESTS = pathlib.Path(__file__).resolve().parent
SKIPPING = {"importorskip", "skip", "skipif"}


def _skips(path: pathlib.Path, root: pathlib.Path = TESTS) -> list[str]:
    """`file:line name` of each skipping call, marker or import in the module's source."""
    text = path.read_text(encoding="utf-8")
    if "skip" not in text.lower():  # (most modules: not parsed at all)
        return []
    tree = ast.parse(text, str(path))
    where = path.relative_to(root)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in SKIPPING:
            owner = node.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if name in ("pytest", "mark", "unittest"):
                found.append(f"{where}:{node.lineno} {name}.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module in ("pytest", "unittest"):
            found += [f"{where}:{node.lineno} from {node.module} import {a.name}"
                      for a in node.names if a.name in SKIPPING | {"SkipTest"}]
        elif isinstance(node, ast.Name) and node.id == "SkipTest":
            found.append(f"{where}:{node.lineno} SkipTest")
    return sorted(found, key=lambda hit: int(hit.split(":")[1].split()[0]))


def test_no_test_module_skips() -> None:
    found = [hit for path in sorted(TESTS.rglob("*.py")) for hit in _skips(path)]
    assert found == [], ("skips found; use an optional-oracle fixture (tests/conftest.py) or list "
                         "only the applicable cases:\n" + "\n".join(found))


def test_the_check_sees_each_spelling(tmp_path) -> None:
    source = ("import pytest\nfrom unittest import SkipTest\nt = pytest.importorskip('t')\n"
              "pytest.skip('x')\n@pytest.mark.skipif(True, reason='')\ndef f(): pass\n"
              "@pytest.mark.skip\ndef g(): pass\ndef h(data): return data.skip(2)\n")
    (tmp_path / "m.py").write_text(source)
    assert _skips(tmp_path / "m.py", tmp_path) == [
        "m.py:2 from unittest import SkipTest", "m.py:3 pytest.importorskip", "m.py:4 pytest.skip",
        "m.py:5 mark.skipif", "m.py:7 mark.skip"]
