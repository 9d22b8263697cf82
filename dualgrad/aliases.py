"""Arguments with two spellings (eager `dim`/`axis` and `keepdim`/`keepdims`, TF1's
`axis`/`reduction_indices` and `keepdims`/`keep_dims`): one value, or an error naming both.
Never one of two given values silently preferred."""
from __future__ import annotations

from .errors import DuplicateArgumentError, DuplicateStaticArgumentError, user_frame

__all__ = ["DuplicateArgumentError", "DuplicateStaticArgumentError", "resolve"]


def resolve(function: str, name: str, value, alias: str, alias_value, *, unset=None,
            error: type = DuplicateArgumentError):
    """`value`, or `alias_value` when `value` is unset; both set raises `error` naming both."""
    if value is unset:
        return alias_value
    if alias_value is not unset:
        raise error(f"{function}(): got both '{name}' and '{alias}', two names of one argument "
                    f"({name}={value!r}, {alias}={alias_value!r}; at {user_frame()})")
    return value
