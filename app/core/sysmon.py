"""CPU and memory figures for the admin area, read from ``/proc`` (no psutil).

:class:`SystemMonitor` turns two readings into percentages: the machine's CPU use from the ``cpu`` line
of ``/proc/stat`` and this process's from :func:`os.times` (portable). Memory: the process's resident
set (``VmRSS`` of ``/proc/self/status``) and the machine's ``MemTotal``/``MemAvailable`` from
``/proc/meminfo``. Anything that cannot be read (not Linux, a restricted container) is ``None``; nothing
here raises for a missing or odd file. Each reading takes microseconds, so a GUI timer may call it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PROC = Path("/proc")


@dataclass(frozen=True)
class CpuTimes:
    """Jiffies since boot from the ``cpu`` line of ``/proc/stat``: all of them, and the idle ones."""

    total: int
    idle: int


@dataclass(frozen=True)
class SystemSample:
    """One reading. Percentages are of the whole machine (all cores); ``None``: not known (yet)."""

    cpu_percent: float | None
    process_cpu_percent: float | None
    rss_bytes: int | None
    mem_available_bytes: int | None
    mem_total_bytes: int | None
    cpu_count: int

    @property
    def mem_used_percent(self) -> float | None:
        if self.mem_available_bytes is None or not self.mem_total_bytes:
            return None
        return 100.0 * (1.0 - self.mem_available_bytes / self.mem_total_bytes)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None


def read_cpu_times(proc: Path = PROC) -> CpuTimes | None:
    """The machine's CPU time split, or ``None`` off Linux / when ``/proc/stat`` is unreadable."""
    text = _read(proc / "stat")
    if text is None:
        return None
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            try:
                values = [int(v) for v in fields[1:]]
            except ValueError:
                return None
            if len(values) < 4:
                return None
            # user nice system idle iowait irq softirq steal [guest guest_nice]; guest time is already
            # counted in user/nice, so it is left out of the total.
            idle = values[3] + (values[4] if len(values) > 4 else 0)
            return CpuTimes(total=sum(values[:8]), idle=idle)
    return None


def _kib_field(text: str | None, name: str) -> int | None:
    """``name: <n> kB`` of a ``/proc`` status-like file in bytes."""
    if text is None:
        return None
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key.strip() == name:
            parts = rest.split()
            try:
                value = int(parts[0])
            except (IndexError, ValueError):
                return None
            unit = parts[1].lower() if len(parts) > 1 else "b"
            return value * 1024 if unit == "kb" else value
    return None


def read_memory(proc: Path = PROC) -> tuple[int | None, int | None, int | None]:
    """(process RSS, machine available, machine total) in bytes; ``None`` for what cannot be read."""
    rss = _kib_field(_read(proc / "self" / "status"), "VmRSS")
    meminfo = _read(proc / "meminfo")
    return rss, _kib_field(meminfo, "MemAvailable"), _kib_field(meminfo, "MemTotal")


def process_cpu_seconds() -> float:
    """CPU seconds this process has used (user + system, all threads)."""
    times = os.times()
    return times.user + times.system


class SystemMonitor:
    """Call :meth:`sample` periodically; CPU percentages cover the time since the previous call.

    The first sample has no CPU percentages (nothing to compare with yet). ``proc``, ``clock`` and
    ``process_cpu`` are there for tests.
    """

    def __init__(self, proc: Path = PROC, *, clock: Callable[[], float] = time.monotonic,
                 process_cpu: Callable[[], float] = process_cpu_seconds,
                 cpu_count: int | None = None) -> None:
        self.proc = Path(proc)
        self._clock = clock
        self._process_cpu = process_cpu
        self.cpu_count = max(1, cpu_count or os.cpu_count() or 1)
        self._last_cpu: CpuTimes | None = None
        self._last_process: tuple[float, float] | None = None  # (wall, cpu seconds)

    def sample(self) -> SystemSample:
        cpu = read_cpu_times(self.proc)
        cpu_percent = None
        if cpu is not None and self._last_cpu is not None:
            total = cpu.total - self._last_cpu.total
            idle = cpu.idle - self._last_cpu.idle
            if total > 0:
                cpu_percent = min(100.0, max(0.0, 100.0 * (total - idle) / total))
        self._last_cpu = cpu

        now, used = self._clock(), self._process_cpu()
        process_percent = None
        if self._last_process is not None:
            wall = now - self._last_process[0]
            if wall > 0:
                share = (used - self._last_process[1]) / (wall * self.cpu_count)
                process_percent = min(100.0, max(0.0, 100.0 * share))
        self._last_process = (now, used)

        rss, available, total_mem = read_memory(self.proc)
        return SystemSample(cpu_percent=cpu_percent, process_cpu_percent=process_percent, rss_bytes=rss,
                            mem_available_bytes=available, mem_total_bytes=total_mem,
                            cpu_count=self.cpu_count)


def format_bytes(amount: int | None) -> str:
    """``123456789`` → ``"118 MB"``; gigabytes with one decimal; ``None`` → ``"—"``."""
    if amount is None:
        return "—"
    if amount >= 1024**3:
        return f"{amount / 1024**3:.1f} GB"
    if amount >= 1024**2:
        return f"{amount / 1024**2:.0f} MB"
    return f"{amount / 1024:.0f} KB"
