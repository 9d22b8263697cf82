"""torch (where installed) as an extra oracle over test_default_dtype.py's table: the dtype
each row gives under torch.set_default_dtype must be the one the table states. Collected only
where torch is installed (tests/eager/conftest.py)."""
from __future__ import annotations

import pytest
import torch  # (collected only where torch is installed: see conftest.py)
import torch.utils.data  # noqa: F401  (torch.utils.data.default_collate)
from test_default_dtype import DEFAULTS, TABLE, _mismatches


@pytest.mark.cpu_only
@pytest.mark.parametrize("name", DEFAULTS)
def test_the_table_agrees_with_torch(name: str) -> None:
    before = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, name))
    try:
        bad = _mismatches(torch, name, TABLE)
    finally:
        torch.set_default_dtype(before)
    assert bad == []
