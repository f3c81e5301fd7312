"""Resident memory of the current process, from /proc (psutil is not a dependency).

Kept free of other imports: the bare-window baseline imports it, and anything it
pulled in would count against the baseline's start-up time.
"""


def memory_kb(field: str = "VmRSS") -> int:
    """A ``/proc/self/status`` figure in KiB: VmRSS (resident now) or VmHWM (peak)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")
