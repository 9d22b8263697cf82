"""Which files in a checkpoint directory savers own, and the lock that serialises them.

A directory a Saver writes to holds two hidden files of its own:

* `.dualgrad-checkpoint.lock` (empty, never deleted): `flock`ed exclusively for the whole of a
  save and shared by a restore, so saves from threads and processes never interleave and a
  restore never sees a half-collected directory. `flock` locks belong to an open file, so two
  threads of one process exclude each other too.
* `.dualgrad-checkpoint.owned`, an append-only ledger: one JSON line per event, `intent`
  (written before a file with a fresh random name is created with O_EXCL), `made` (with its
  inode and device once written) and `gone`.

A file is deleted only if its name matches one of our patterns AND the ledger records it, with
the same inode and device once it was made; a file the user copied, replaced or created is
never ours, whatever an index says.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import stat

from ..errors import CheckpointError
from . import bounded_json
from .files import TEMP_SUFFIX, fsync_dir, read_small_file, temp_name, write_new

LOCK_NAME = ".dualgrad-checkpoint.lock"
LEDGER_NAME = ".dualgrad-checkpoint.owned"
INDEX_SUFFIX = ".index.json"
DATA = re.compile(r"(?s:.*)\.(?P<tag>[0-9a-f]{16})\.safetensors")
TEMP = re.compile(r"\.(?s:.*)\.[0-9]+-[0-9a-f]{16}" + re.escape(TEMP_SUFFIX))
_TAG_IN_TEXT = re.compile(rb"\.([0-9a-f]{16})\.safetensors")
MAX_LEDGER = 16 << 20
MAX_INDEX = 64 << 20
_APPEND = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)


def _open_regular_for_writing(path: str, flags: int) -> int:
    """Open for writing without blocking (a FIFO without reader fails at once) or following
    links, and refuse anything but a regular file."""
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as e:
        raise CheckpointError(f"{path}: cannot be opened for writing ({e.strerror})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise CheckpointError(f"{path}: is not a regular file; refused")
    return fd


@contextlib.contextmanager
def locked(directory: str, *, exclusive: bool):
    """Hold the directory's lock: exclusive (a save, creating the lock file) or shared (a
    restore; a directory without a lock file, or a read-only one, is read unlocked). Yields
    whether the lock is held."""
    path = os.path.join(directory, LOCK_NAME)
    if exclusive:
        fd = _open_regular_for_writing(path, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK
                                       | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    else:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
                         | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            yield False
            return
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise CheckpointError(f"{path}: is not a regular file; refused")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield True
    finally:
        os.close(fd)  # releases the lock


class Ledger:
    """The record of files savers created in one directory; use only while holding the lock."""

    def __init__(self, directory: str):
        self.directory = directory
        self.path = os.path.join(directory, LEDGER_NAME)
        self.records: dict[str, dict] = {}
        self._lines = 0
        self._error: CheckpointError | None = None
        try:
            raw = read_small_file(self.path, MAX_LEDGER, follow_symlinks=False)
        except CheckpointError as e:
            # no ledger yet: nothing is ours yet. One that cannot be read (a FIFO, a link, too
            # big): nothing is deletable, and saving here is refused with the reason.
            raw = b""
            if os.path.lexists(self.path):
                self._error = e
        self._newline = bool(raw) and not raw.endswith(b"\n")
        for line in raw.splitlines():
            try:
                rec = bounded_json.loads(line, self.path, max_bytes=1 << 16, max_depth=2)
            except CheckpointError:
                continue  # a line cut short by a crash
            if not isinstance(rec, dict) or not isinstance(rec.get("name"), str):
                continue
            self._lines += 1
            op, name = rec.get("op"), rec["name"]
            if op == "intent":
                self.records.setdefault(name, {})
            elif op == "made" and type(rec.get("ino")) is int and type(rec.get("dev")) is int:
                self.records[name] = {"ino": rec["ino"], "dev": rec["dev"]}
            elif op == "gone":
                self.records.pop(name, None)

    def append(self, records: list[dict], durable: bool = False) -> None:
        """Append records; only intents must reach the disk before the files they announce
        (a lost `made` or `gone` leaves an intent, which still proves ownership)."""
        if not records:
            return
        if self._error is not None:
            raise self._error
        data = ("\n" if self._newline else "") + "".join(json.dumps(r) + "\n" for r in records)
        fd = _open_regular_for_writing(self.path, _APPEND)
        try:
            view = memoryview(data.encode())
            while view:
                view = view[os.write(fd, view):]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        self._newline = False
        self._lines += len(records)
        for rec in records:
            if rec["op"] == "gone":
                self.records.pop(rec["name"], None)
            elif rec["op"] == "made":
                self.records[rec["name"]] = {"ino": rec["ino"], "dev": rec["dev"]}
            else:
                self.records.setdefault(rec["name"], {})

    def intend(self, *names: str) -> None:
        """Record, before creating them, files about to be made under fresh random names."""
        self.append([{"op": "intent", "name": n} for n in names], durable=True)

    def made(self, files: dict[str, os.stat_result]) -> None:
        self.append([{"op": "made", "name": n, "ino": s.st_ino, "dev": s.st_dev}
                     for n, s in files.items()])

    def owns(self, name: str) -> bool:
        """True if `name` is a regular file this ledger records (same inode once made)."""
        rec = self.records.get(name)
        if rec is None or self._error is not None:
            return False
        try:
            st = os.lstat(os.path.join(self.directory, name))
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode):
            return False
        return not rec or (st.st_ino, st.st_dev) == (rec["ino"], rec["dev"])

    def delete(self, names: list[str]) -> list[str]:
        """Delete those of `names` that are ours; forget records of files that are gone."""
        gone, deleted = [], []
        for name in names:
            path = os.path.join(self.directory, name)
            if self.owns(name):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
                deleted.append(name)
                gone.append(name)
            elif name in self.records and not os.path.lexists(path):
                gone.append(name)
        self.append([{"op": "gone", "name": n} for n in gone])
        return deleted

    def collect_garbage(self) -> list[str]:
        """Delete our temporary files (the lock is held, so no save that made them is still
        running) and our data files that no index in the directory names; compact the ledger."""
        named = named_data_tags(self.directory)
        candidates = []
        for name in list(self.records):
            if TEMP.fullmatch(name):
                candidates.append(name)
            elif (m := DATA.fullmatch(name)) and named is not None and m["tag"] not in named:
                candidates.append(name)
            elif not os.path.lexists(os.path.join(self.directory, name)):
                candidates.append(name)  # only forgotten: the file is already gone
        deleted = self.delete(candidates)
        if self._error is None and self._lines > 2 * len(self.records) + 64:
            self._compact()
        return deleted

    def _compact(self) -> None:
        tmp = temp_name(LEDGER_NAME)
        self.intend(tmp)
        lines = "".join(json.dumps({"op": "made", "name": n, **r} if r else {"op": "intent", "name": n})
                        + "\n" for n, r in self.records.items())
        try:
            write_new(os.path.join(self.directory, tmp), [lines.encode()])
            os.replace(os.path.join(self.directory, tmp), self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self.directory, tmp))
            raise
        fsync_dir(self.directory)
        self._lines = len(self.records)


def named_data_tags(directory: str) -> set[str] | None:
    """The tags of every data file any `*.index.json` in `directory` mentions (searched in its
    raw bytes, so a damaged or foreign index still keeps what it names, and in its parsed
    `data_file`); None if some index could not be read (then no data file may be collected)."""
    tags = set()
    try:
        names = os.listdir(directory)
    except OSError:
        return None
    for name in names:
        if not name.endswith(INDEX_SUFFIX):
            continue
        path = os.path.join(directory, name)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            continue
        except OSError as e:
            if e.errno == errno.ELOOP:
                continue
            return None
        if not stat.S_ISREG(st.st_mode):
            continue  # a FIFO, device or directory names nothing a restore would read
        try:
            raw = read_small_file(path, MAX_INDEX, follow_symlinks=True)
        except CheckpointError:
            if not os.path.lexists(path):
                continue
            return None
        tags.update(m.decode() for m in _TAG_IN_TEXT.findall(raw))
        tags.update(_decoded_tag(raw, path))
    return tags


def _decoded_tag(raw: bytes, path: str) -> list[str]:
    """The tag of the data file a parseable index names (JSON escapes can hide it from the
    byte search)."""
    try:
        index = bounded_json.loads(raw, path, max_bytes=MAX_INDEX, max_depth=8)
    except CheckpointError:
        return []
    name = index.get("data_file") if isinstance(index, dict) else None
    match = DATA.fullmatch(name) if isinstance(name, str) else None
    return [match["tag"]] if match else []
