"""Arguments with two spellings (eager `dim`/`axis` and `keepdim`/`keepdims`, TF1's
`axis`/`reduction_indices` and `keepdims`/`keep_dims`): one value, or an error naming both.
Never one of two given values silently preferred."""
from __future__ import annotations

from .errors import DualgradError, user_frame


class DuplicateArgumentError(DualgradError, TypeError):
    """One argument given under both of its names (PyTorch raises TypeError)."""


class DuplicateStaticArgumentError(DualgradError, ValueError):
    """One argument given under both of its names (TF1 raises ValueError: 'Cannot specify
    both ...')."""


def resolve(function: str, name: str, value, alias: str, alias_value, *, unset=None,
            error: type = DuplicateArgumentError):
    """`value`, or `alias_value` when `value` is unset; both set raises `error` naming both."""
    if value is unset:
        return alias_value
    if alias_value is not unset:
        raise error(f"{function}(): got both '{name}' and '{alias}', two names of one argument "
                    f"({name}={value!r}, {alias}={alias_value!r}; at {user_frame()})")
    return value
