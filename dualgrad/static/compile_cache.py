"""`ds.enable_compilation_cache()`: XLA programs kept on disk across processes (opt-in).

jax's persistent compilation cache stores each compiled program under a key of its HLO,
the jax/XLA versions and the device, so a later process that builds the same Session program
loads it instead of compiling (tens of milliseconds per program on the CPU, more on a GPU).
It is off unless asked for: it is a process-wide jax setting (the user's own jax programs
are cached too), and it writes files. Those go to a directory the user owns and only the
user can write — never the project or the working directory.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from ..backend import jax_numpy
from ..errors import CacheDirectoryError, user_line


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/dualgrad/xla`, else `~/.cache/dualgrad/xla`."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dualgrad" / "xla"


def enable_compilation_cache(directory: str | os.PathLike | None = None) -> Path:
    """Turn on jax's persistent compilation cache in `directory` (default
    `default_cache_dir()`), created with mode 0700; every program is cached, however quick
    its compile. Refuses a directory owned by someone else or writable by group or others
    (a program loaded from it runs as the user). Imports jax. Returns the directory."""
    path = Path(directory) if directory is not None else default_cache_dir()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise CacheDirectoryError(f"enable_compilation_cache: {path} belongs to another user "
                                  f"(uid {info.st_uid}); use a directory you own {user_line()}")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise CacheDirectoryError(f"enable_compilation_cache: {path} is writable by group or others "
                                  f"(mode {stat.S_IMODE(info.st_mode):o}); `chmod go-w` it or use "
                                  f"another directory {user_line()}")
    jax_numpy()
    import jax

    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return path
