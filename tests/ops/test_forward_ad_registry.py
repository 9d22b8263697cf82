"""Forward-mode AD (`dg.autograd.forward_ad`) of every differentiable registry op and
composite, on hypothesis-drawn inputs inside its domain: the tangent of the output along a
random direction against central finite differences of the kernel (`eager/dual.py` derives
each op's forward mode from its VJP rules, so this checks that derivation op by op)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dualgrad.ops import REGISTRY
from dualgrad.testing import COMPOSITES
from dualgrad.testing.gradcheck import check_jvp_numeric
from dualgrad.testing.strategies import op_calls
from dualgrad.testing.subjects import subject_for

NAMES = sorted(REGISTRY) + sorted(COMPOSITES)
DIFFERENTIABLE = [n for n in NAMES if n not in REGISTRY or REGISTRY[n].differentiable]
EXAMPLES = 2


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_forward_mode_tangent_matches_finite_differences(name, data):
    args, attrs = data.draw(op_calls(name), label="call")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    check_jvp_numeric(subject_for(name), args, attrs, rng)
