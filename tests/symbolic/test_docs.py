"""The worked examples of docs/symbolic.md run, in order, as one script."""
from __future__ import annotations

import pathlib
import re

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "symbolic.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_docs_have_examples():
    assert len(python_blocks(DOC.read_text())) >= 10


def test_docs_examples_run(capsys):
    namespace: dict = {"__name__": "docs_symbolic"}
    for n, block in enumerate(python_blocks(DOC.read_text())):
        try:
            exec(compile(block, f"{DOC.name}[block {n}]", "exec"), namespace)
        except Exception as e:  # name the failing block
            raise AssertionError(f"block {n} of {DOC.name} failed:\n{block}") from e
    out = capsys.readouterr().out
    assert "d(loss)/d(w) = Sum(" in out
