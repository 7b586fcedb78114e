"""CPU and memory figures from a fake /proc, the real one, and a machine without /proc."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from app.core.sysmon import SystemMonitor, format_bytes, read_cpu_times, read_memory

STATUS = "Name:\tpython\nVmPeak:\t  300000 kB\nVmRSS:\t  204800 kB\nThreads:\t4\n"
MEMINFO = "MemTotal:       8000000 kB\nMemFree:         1000000 kB\nMemAvailable:    6000000 kB\n"


def fake_proc(root: Path, stat: str, status: str = STATUS, meminfo: str = MEMINFO) -> Path:
    (root / "self").mkdir(parents=True, exist_ok=True)
    (root / "stat").write_text(stat, encoding="ascii")
    (root / "self" / "status").write_text(status, encoding="ascii")
    (root / "meminfo").write_text(meminfo, encoding="ascii")
    return root


def stat_line(user: int, system: int, idle: int, iowait: int = 0) -> str:
    return (f"cpu  {user} 0 {system} {idle} {iowait} 0 0 0 0 0\n"
            f"cpu0 {user} 0 {system} {idle} {iowait} 0 0 0 0 0\nctxt 1\n")


class Ticker:
    def __init__(self) -> None:
        self.now = 100.0
        self.cpu = 5.0

    def clock(self) -> float:
        return self.now

    def process_cpu(self) -> float:
        return self.cpu


def test_cpu_and_memory_from_a_fake_proc(tmp_path: Path):
    proc = fake_proc(tmp_path, stat_line(100, 50, 800, 50))
    assert read_cpu_times(proc).total == 1000 and read_cpu_times(proc).idle == 850
    assert read_memory(proc) == (204800 * 1024, 6000000 * 1024, 8000000 * 1024)

    ticks = Ticker()
    monitor = SystemMonitor(proc, clock=ticks.clock, process_cpu=ticks.process_cpu, cpu_count=2)
    first = monitor.sample()
    assert first.cpu_percent is None and first.process_cpu_percent is None  # nothing to compare yet
    assert first.rss_bytes == 204800 * 1024 and first.mem_used_percent == pytest.approx(25.0)

    # 1000 more jiffies, 250 of them idle: 75 % busy. The process used 0.5 s of 2 cores x 1 s: 25 %.
    fake_proc(tmp_path, stat_line(600, 300, 1050, 50))
    ticks.now, ticks.cpu = 101.0, 5.5
    second = monitor.sample()
    assert second.cpu_percent == pytest.approx(75.0)
    assert second.process_cpu_percent == pytest.approx(25.0)
    assert second.cpu_count == 2


def test_odd_or_missing_files_give_none(tmp_path: Path):
    proc = fake_proc(tmp_path, "cpu  x y z\n", status="Name: a\n", meminfo="MemTotal: lots\n")
    assert read_cpu_times(proc) is None
    assert read_memory(proc) == (None, None, None)
    sample = SystemMonitor(tmp_path / "nowhere").sample()  # e.g. macOS: no /proc at all
    assert sample.cpu_percent is None and sample.rss_bytes is None and sample.mem_used_percent is None
    assert sample.cpu_count >= 1


def test_a_clock_that_did_not_move_gives_no_percentage(tmp_path: Path):
    proc = fake_proc(tmp_path, stat_line(1, 1, 1))
    ticks = Ticker()
    monitor = SystemMonitor(proc, clock=ticks.clock, process_cpu=ticks.process_cpu)
    monitor.sample()
    again = monitor.sample()
    assert again.cpu_percent is None and again.process_cpu_percent is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc")
def test_the_real_proc():
    monitor = SystemMonitor()
    monitor.sample()
    end = time.monotonic() + 0.1
    while time.monotonic() < end:  # some CPU time between the samples (several jiffies)
        sum(i * i for i in range(1000))
    sample = monitor.sample()
    assert sample.rss_bytes is not None and sample.rss_bytes > 10 * 1024**2
    assert 0 < sample.mem_available_bytes <= sample.mem_total_bytes
    assert sample.cpu_percent is not None and 0.0 <= sample.cpu_percent <= 100.0
    assert sample.process_cpu_percent is not None and 0.0 <= sample.process_cpu_percent <= 100.0


def test_format_bytes():
    assert format_bytes(None) == "—"
    assert format_bytes(2048) == "2 KB"
    assert format_bytes(150 * 1024**2) == "150 MB"
    assert format_bytes(int(2.5 * 1024**3)) == "2.5 GB"
