"""Every ```python block of every docs/ page runs, in page order, one namespace per page, as a
reader pasting them one after another would run them. README.md, docs/symbolic.md and
docs/testing.md have their own tests that also check what the blocks print."""
from __future__ import annotations

import os
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
OWN_TESTS = {"symbolic.md": "tests/symbolic/test_docs.py", "testing.md": "tests/testing/test_docs.py"}
PAGES = sorted(p for p in (ROOT / "docs").glob("*.md") if p.name not in OWN_TESTS)


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_pages_with_their_own_doc_tests_have_them():
    for page, test in OWN_TESTS.items():
        assert (ROOT / "docs" / page).exists() and (ROOT / test).exists()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_python_block_of_the_page_runs_in_order(page, tmp_path, capsys):
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    here = os.getcwd()
    os.chdir(tmp_path)  # blocks that write files write them here
    try:
        for n, block in enumerate(python_blocks(page.read_text())):
            try:
                exec(compile(block, f"{page.name}[block {n}]", "exec"), namespace)
            except Exception as e:
                raise AssertionError(f"block {n} of {page.name} failed:\n{block}") from e
    finally:
        os.chdir(here)
