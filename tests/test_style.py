"""The code base stays `ruff` clean (the linter is part of the test extra)."""
from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_ruff_reports_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--quiet", str(ROOT)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_machine_paths_in_tracked_files():
    """The repo must not carry absolute paths of a developer's machine."""
    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, cwd=ROOT).stdout.split()
    offenders = []
    for name in tracked:
        path = ROOT / name
        if path.suffix not in {".py", ".md", ".toml", ".txt", ""} or not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        for top in ("work", "root", "home"):
            for place in ("main", "shared"):
                if f"/{top}/{place}" in text:
                    offenders.append(f"{name}: /{top}/{place}")
    assert offenders == []
