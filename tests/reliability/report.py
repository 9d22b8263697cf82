"""Reliability tests print one line per figure, so `pytest tests/reliability -s` reproduces
the table in docs/reliability.md."""
from __future__ import annotations


def report(test: str, figure: str) -> None:
    print(f"RELIABILITY | {test} | {figure}")
