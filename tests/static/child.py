"""Run a script in a child Python and read the JSON it prints last: scenarios that could kill
their process (out of memory) fail a test instead of killing pytest."""
from __future__ import annotations

import json
import os
import subprocess
import sys


def run_json(script: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.returncode == 0, f"child died (rc {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])
