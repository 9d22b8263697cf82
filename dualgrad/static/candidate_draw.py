"""The run-time draw of TF1's candidate samplers (`static/candidate_sampling.py` builds the
ops): numpy only, so the session's random-op runner (`creation.draw`) imports it without the
graph-building modules."""
from __future__ import annotations

import numpy as np


def draw_candidates(op, rng: np.random.Generator) -> np.ndarray:
    """One run's draw of a CandidateSampler op: [candidates..., number of tries] as int64."""
    a = op.attrs
    n, r = a["num_sampled"], a["range_max"]

    def batch(m: int) -> np.ndarray:
        if a["sampler"] == "log_uniform":
            return (np.exp(rng.random(m) * np.log(r + 1.0)).astype(np.int64) - 1) % r
        if a["sampler"] == "uniform":
            return rng.integers(0, r, size=m)
        return rng.choice(r, size=m, p=a["probs"])

    if not a["unique"]:
        return np.append(batch(n), n).astype(np.int64)
    seen: dict[int, None] = {}
    tries = 0
    while len(seen) < n:
        for v in batch(max(2 * n, 16)).tolist():
            tries += 1
            seen.setdefault(v)
            if len(seen) == n:
                break
    return np.array([*seen, tries], dtype=np.int64)
