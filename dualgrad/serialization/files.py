"""Reading and writing files without trusting the file system.

Reads open only regular files: the open is non-blocking (a FIFO cannot hang it), `fstat` on
the open descriptor decides (no check-then-open race), and a device, directory or FIFO is a
`CheckpointError`. Writes create a fresh name with `O_EXCL` (nothing existing is ever
overwritten by accident), fsync, and are renamed into place by the caller.
"""
from __future__ import annotations

import errno
import os
import secrets
import stat

from ..errors import CheckpointError, MissingCheckpointError

_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
TEMP_SUFFIX = ".dgtmp"


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: str, *, follow_symlinks: bool) -> tuple[int, int]:
    """(descriptor, size) of `path`, which must be a regular file; else CheckpointError.

    With `follow_symlinks=False` a symbolic link is refused too (a checkpoint's own files are
    never links); with True a link is followed but its target must still be a regular file.
    """
    flags = _READ_FLAGS | (0 if follow_symlinks else _NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise MissingCheckpointError(f"{path}: no such file") from None
    except OSError as e:
        reason = ("is a symbolic link (refused: checkpoint files are never links)"
                  if e.errno == errno.ELOOP else f"cannot be opened ({e.strerror})")
        raise CheckpointError(f"{path}: {reason}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise CheckpointError(f"{path}: is {_kind(st.st_mode)}, not a regular file; refused")
    return fd, st.st_size


def readinto_exact(fd: int, buffer: memoryview, path: str) -> None:
    """Fill `buffer` from `fd`; a file that ends early is a CheckpointError (truncated)."""
    done = 0
    while done < len(buffer):
        try:
            n = os.readv(fd, [buffer[done:]])
        except OSError as e:
            raise CheckpointError(f"{path}: read failed ({e.strerror})") from None
        if n == 0:
            raise CheckpointError(f"{path}: is truncated (ended after {done} of {len(buffer)} "
                                  "expected bytes)")
        done += n


def read_exact(fd: int, n: int, path: str) -> bytes:
    buf = bytearray(n)
    readinto_exact(fd, memoryview(buf), path)
    return bytes(buf)


def read_small_file(path: str, limit: int, *, follow_symlinks: bool) -> bytes:
    """The whole of a regular file of at most `limit` bytes (checked before reading)."""
    fd, size = open_regular(path, follow_symlinks=follow_symlinks)
    try:
        if size > limit:
            raise CheckpointError(f"{path}: is {size} bytes, more than the {limit} allowed")
        return read_exact(fd, size, path)
    finally:
        os.close(fd)


def temp_name(target: str) -> str:
    """A hidden, unique name next to `target` for its temporary copy: '.<name>.<pid>-<hex>.dgtmp'."""
    return f".{target}.{os.getpid()}-{secrets.token_hex(8)}{TEMP_SUFFIX}"


def write_new(path: str, chunks) -> os.stat_result:
    """Create `path` (never an existing file: O_EXCL, no links followed), write the byte
    chunks, fsync, and return the file's stat (its inode records that the file is ours)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
                 0o644)
    try:
        for chunk in chunks:
            view = memoryview(chunk).cast("B")
            while view:
                view = view[os.write(fd, view):]
        os.fsync(fd)
        return os.fstat(fd)
    finally:
        os.close(fd)


def fsync_dir(directory: str) -> None:
    """Make renames in `directory` durable (skipped where a file system cannot fsync a
    directory; a real I/O error is raised)."""
    fd = os.open(directory or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)
