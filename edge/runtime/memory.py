"""A worker process's memory, as the kernel counts it in /proc/<pid>/status.

The worker reads its own (its address-space limit at start, its peak after each invocation);
the node reads a worker's peak when it kills one that timed out, since a killed process can no
longer say. Only the standard library: a worker imports this at cold start.
"""

from __future__ import annotations

__all__ = ["MB", "memory_status", "peak_mb"]

MB = 1024 * 1024


def memory_status(*names: str, pid: int | str = "self") -> dict[str, int]:
    """Sizes in bytes from /proc/<pid>/status (`VmSize`, `VmRSS`, `VmHWM`, ...); raises
    OSError when the process is gone."""
    sizes: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in names:
                sizes[name] = int(value.split()[0]) * 1024
    return sizes


def peak_mb(pid: int | str = "self") -> int:
    """The peak of memory in use, in MB rounded up, from the kernel's high-water mark of the
    process's own memory (`ru_maxrss` would not do: Linux carries it over from the process that
    forked the worker, the node with its cache). Raises OSError when the process is gone."""
    return -(-memory_status("VmHWM", pid=pid)["VmHWM"] // MB)
