"""Whether a jax Session may donate its variables' buffers to one compiled program.

Donation lets XLA write a variable's new value into its old buffer, but jax deletes a
donated buffer as soon as the program is dispatched: if the program then fails (out of
memory), the old value is gone, and a failed run must leave every variable as it was. So
before the first run of each call shape the program is compiled ahead (jax keeps it: the run
that follows reuses it) and its memory need (`memory_analysis`: temporaries plus outputs,
less what aliases the donated inputs) is compared with the device's free memory; a program
that may not fit runs without donation, so when it does fail nothing is lost.
"""
from __future__ import annotations

import os

try:
    import resource
except ImportError:  # not on Windows
    resource = None

# donate only when the program needs at most this share of the free memory: what is free
# moves between the check and the run (other threads, other processes)
SHARE = 0.75


def fits(jitted, args, device) -> bool:
    """Whether `jitted(*args)` needs at most SHARE of `device`'s free memory (False when
    either is unknown: then nothing is donated)."""
    stats = jitted.lower(*args).compile().memory_analysis()
    free = free_bytes(device)
    if stats is None or free is None:
        return False
    need = stats.temp_size_in_bytes + stats.output_size_in_bytes - stats.alias_size_in_bytes
    return need <= SHARE * free


def free_bytes(device) -> int | None:
    """Free memory of a jax device: the allocator's own figures on an accelerator, the host's
    (available memory, the cgroup's limit and the address-space limit) on the CPU."""
    stats = device.memory_stats() if hasattr(device, "memory_stats") else None
    if stats and "bytes_limit" in stats:
        return stats["bytes_limit"] - stats.get("bytes_in_use", 0)
    if getattr(device, "platform", None) != "cpu":
        return None
    known = [b for b in (_available(), _cgroup_room(), _address_space_room()) if b is not None]
    return min(known) if known else None


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def _field_kib(text: str | None, name: str) -> int | None:
    for line in (text or "").splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) * 1024
    return None


def _available() -> int | None:
    found = _field_kib(_read("/proc/meminfo"), "MemAvailable")
    if found is not None:
        return found
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_room() -> int | None:
    limit, used = _read("/sys/fs/cgroup/memory.max"), _read("/sys/fs/cgroup/memory.current")
    if limit is None or used is None or limit.strip() == "max":
        return None
    return int(limit) - int(used)


def _address_space_room() -> int | None:
    if resource is None:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    size = _field_kib(_read("/proc/self/status"), "VmSize")
    return None if size is None else soft - size
