"""Pure helpers of the kiosk benchmark and the soak run: no Qt, no models, fast to test.

- :func:`count_changes`: the demo timeline (``resources/demo/counter.json``) as the cart changes a
  viewer should see, each with the frame where the counts change and the frame where the hand is gone;
- :class:`LatencyTracker`: pairs the wall time those frames are shown with the time the cart matches;
- :func:`percentile`, :func:`summary`: the numbers reported (numpy's default, linear interpolation);
- :class:`StallMeter`: lateness of a periodic timer on the GUI thread (a stalled event loop);
- :func:`growth_report`, :func:`check_ledger`: the soak run's verdicts;
- :func:`proc_sample`, :func:`machine_description`: what the process and the machine look like.
"""

from __future__ import annotations

import importlib.metadata
import math
import os
import platform
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Counts = tuple[tuple[str, int], ...]  # sorted (detector class, count) pairs, zero counts left out


def freeze_counts(counts: Mapping[str, int]) -> Counts:
    return tuple(sorted((k, int(v)) for k, v in counts.items() if v))


# -- the timeline -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CountChange:
    """One change of what lies on the counter, in frames of the (possibly re-timed) video.

    ``change_frame``: the first frame showing the new counts (a hand may still be over the counter);
    ``settled_frame``: the first frame with those counts and no hand (the scene a customer waits on).
    """

    change_frame: int
    settled_frame: int
    counts: Counts
    label: str = ""

    @property
    def counts_dict(self) -> dict[str, int]:
        return dict(self.counts)


def count_changes(segments: Sequence[Mapping[str, Any]], *, scale: int = 1,
                  loop: bool = False) -> list[CountChange]:
    """The counter's changes in a timeline of segments (``start``, ``end``, ``hand``, ``counts``).

    A change is a hand-free segment whose counts differ from the previous hand-free counts; what a hand
    does in between (lifting an item and putting it back) is no change. ``scale`` re-times the frames
    (2: a 15 fps timeline for its video re-encoded at 30 fps, frame i → frames 2i and 2i+1). With
    ``loop`` the video restarts after its last segment, so the previous counts of the first segment are
    the last segment's (the jump back to the first scene is a change too); without it the counter starts
    empty.
    """
    if scale < 1:
        raise ValueError(f"scale must be at least 1, not {scale}")
    segs = sorted(segments, key=lambda s: int(s["start"]))
    if not segs:
        return []
    hand_free = [s for s in segs if not s.get("hand")]
    previous = freeze_counts(hand_free[-1].get("counts", {})) if loop and hand_free else ()
    changes: list[CountChange] = []
    for i, seg in enumerate(segs):
        counts = freeze_counts(seg.get("counts", {}))
        if seg.get("hand") or counts == previous:
            if not seg.get("hand"):
                previous = counts
            continue
        first = i  # walk back over the segments that already showed these counts
        while first > 0 and freeze_counts(segs[first - 1].get("counts", {})) == counts:
            first -= 1
        label = str(segs[first].get("event", ""))
        changes.append(CountChange(int(segs[first]["start"]) * scale, int(seg["start"]) * scale, counts,
                                   label))
        previous = counts
    return changes


def timeline_frames(timeline: Mapping[str, Any]) -> int:
    """Frames in the timeline's video (``frame_count``, else the end of the last segment)."""
    if "frame_count" in timeline:
        return int(timeline["frame_count"])
    return max(int(s["end"]) for s in timeline["segments"])


# -- product-to-cart latency -----------------------------------------------------------------------

@dataclass
class LatencyEvent:
    change: CountChange
    pass_no: int
    change_shown: float
    settled_shown: float | None = None
    matched: float | None = None
    superseded: bool = False  # the next change came before the cart matched these counts

    @property
    def from_change_s(self) -> float | None:
        return None if self.matched is None else self.matched - self.change_shown

    @property
    def from_settled_s(self) -> float | None:
        """From the frame without the hand to the matching cart; 0 when the cart matched earlier."""
        if self.matched is None or self.settled_shown is None:
            return None
        return max(0.0, self.matched - self.settled_shown)


class LatencyTracker:
    """Times each timeline change from the moment its frame is shown to the moment the cart matches.

    ``frame_shown(index, t)`` with the running frame index of the video source (it keeps counting when
    the video loops; ``period`` frames a pass) and ``cart_changed(counts, t)`` with the cart's
    detector-class counts. Changes whose frame was shown before ``start`` are not timed.
    """

    def __init__(self, changes: Sequence[CountChange], period: int, *, loop: bool = True,
                 cart_counts: Callable[[], Mapping[str, int]] = dict) -> None:
        if period < 1:
            raise ValueError("period must be at least 1 frame")
        self.changes = sorted(changes, key=lambda c: c.change_frame)
        self.period, self.loop = period, loop
        self._cart_counts = cart_counts
        self.events: list[LatencyEvent] = []
        self._upcoming = self._schedule()
        self._next: tuple[int, int, CountChange] | None = next(self._upcoming, None)
        self._active: LatencyEvent | None = None
        self._tracking = False
        self.cart_changes = 0

    def _schedule(self) -> Iterator[tuple[int, int, CountChange]]:
        pass_no = 0
        while self.changes:
            for change in self.changes:
                yield pass_no, pass_no * self.period + change.change_frame, change
            if not self.loop:
                return
            pass_no += 1

    def start(self) -> None:
        """Time the changes shown from the next frame on."""
        self._tracking = True

    def stop(self) -> None:
        self._tracking = False

    def frame_shown(self, index: int, t: float) -> None:
        if not self._tracking:
            self._skip_to(index)  # changes shown before start() are not timed
            return
        while self._next is not None and self._next[1] <= index:
            pass_no, _, change = self._next
            self._activate(LatencyEvent(change, pass_no, t))
            self._next = next(self._upcoming, None)
        active = self._active
        if active is not None and active.settled_shown is None and \
                active.pass_no * self.period + active.change.settled_frame <= index:
            active.settled_shown = t

    def _skip_to(self, index: int) -> None:
        while self._next is not None and self._next[1] <= index:
            self._next = next(self._upcoming, None)

    def _activate(self, event: LatencyEvent) -> None:
        if self._active is not None and self._active.matched is None:
            self._active.superseded = True
        self.events.append(event)
        self._active = event
        if freeze_counts(self._cart_counts()) == event.change.counts:
            event.matched = event.change_shown

    def cart_changed(self, counts: Mapping[str, int], t: float) -> None:
        self.cart_changes += 1
        active = self._active
        if self._tracking and active is not None and active.matched is None \
                and freeze_counts(counts) == active.change.counts:
            active.matched = t

    def report(self) -> dict[str, Any]:
        timed = [e for e in self.events if e.from_settled_s is not None]
        return {
            "changes_shown": len(self.events),
            "matched": sum(e.matched is not None for e in self.events),
            "superseded": sum(e.superseded for e in self.events),
            "unmatched_at_end": sum(e.matched is None and not e.superseded for e in self.events),
            "from_settled_ms": summary([e.from_settled_s * 1000 for e in timed]),
            "from_change_ms": summary([e.from_change_s * 1000 for e in self.events
                                       if e.from_change_s is not None]),
            "cart_changes": self.cart_changes,
            "events": [{"label": e.change.label, "pass": e.pass_no, "counts": e.change.counts_dict,
                        "from_change_ms": _ms(e.from_change_s), "from_settled_ms": _ms(e.from_settled_s),
                        "superseded": e.superseded} for e in self.events],
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


# -- statistics -------------------------------------------------------------------------------------

def percentile(values: Iterable[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation, as ``numpy.percentile`` by default."""
    xs = sorted(values)
    if not xs:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0..100, not {q}")
    rank = q / 100 * (len(xs) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return xs[low] + (xs[high] - xs[low]) * (rank - low)


def summary(values: Sequence[float]) -> dict[str, float | int | None]:
    """n, mean, p50, p95, p99 and max of ``values`` (None for each when there are none)."""
    if not values:
        return {"n": 0, "mean": None, "p50": None, "p95": None, "p99": None, "max": None}
    return {"n": len(values), "mean": round(sum(values) / len(values), 2),
            **{f"p{q}": round(percentile(values, q), 2) for q in (50, 95, 99)},
            "max": round(max(values), 2)}


class StallMeter:
    """Lateness of a timer meant to fire every ``interval_s``: how long the event loop was busy.

    Call ``start()`` once, then ``tick()`` from the timer; each tick records how much later than
    ``interval_s`` after the previous tick it came (never negative).
    """

    def __init__(self, interval_s: float = 0.010, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._last: float | None = None
        self.lateness_s: list[float] = []
        self.tick_times: list[float] = []  # clock value of each tick (when the stall ended)

    def start(self) -> None:
        self._last = self._clock()

    def tick(self) -> None:
        now = self._clock()
        if self._last is not None:
            self.lateness_s.append(max(0.0, now - self._last - self.interval_s))
            self.tick_times.append(now)
        self._last = now

    def stats(self, since: int = 0, origin: float = 0.0) -> dict[str, float | int | None]:
        """Summary in ms of the ticks from index ``since`` on, the count of stalls over 50 ms, and when
        the longest one began (``max_at_s``, clock seconds minus ``origin``)."""
        late = [x * 1000 for x in self.lateness_s[since:]]
        worst_at = None
        if late:
            worst = since + max(range(len(late)), key=late.__getitem__)
            began = self.tick_times[worst] - self.lateness_s[worst]  # when the late tick was due
            worst_at = round(began - origin, 3)
        return {**summary(late), "over_50ms": sum(x > 50 for x in late), "max_at_s": worst_at}


# -- soak verdicts -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    t: float  # seconds since the run started
    rss_kb: int
    threads: int  # OS threads of the process (/proc/self/task)
    py_threads: int  # threading.enumerate()
    fds: int
    sales: int


def _median(xs: Sequence[float]) -> float:
    return percentile(xs, 50)


def growth_report(samples: Sequence[Sample], warmup_fraction: float = 0.2,
                  min_warmup_s: float = 0.0) -> dict[str, Any]:
    """Growth after warm-up: the first ``warmup_fraction`` of the run (and at least ``min_warmup_s``
    seconds, e.g. until the models are loaded) is left out, then the first fifth of the remaining samples
    (at least one) is the baseline and the last fifth the end.

    Memory compares medians (in %); threads and descriptors compare minima (a thread that lives for a
    moment, such as a camera being reopened, is no leak; a count that never comes back down is).
    """
    if not samples:
        return {"samples": 0}
    t0, t1 = samples[0].t, samples[-1].t
    cut = t0 + max((t1 - t0) * warmup_fraction, min_warmup_s)
    after = [s for s in samples if s.t >= cut] or [samples[-1]]
    k = max(1, len(after) // 5)
    base, end = after[:k], after[-k:]
    base_rss, end_rss = _median([s.rss_kb for s in base]), _median([s.rss_kb for s in end])
    return {
        "samples": len(samples), "after_warmup": len(after), "window": k,
        "warmup_end_s": round(cut - t0, 1),
        "rss_base_mb": round(base_rss / 1024, 1), "rss_end_mb": round(end_rss / 1024, 1),
        "rss_peak_mb": round(max(s.rss_kb for s in samples) / 1024, 1),
        "rss_growth_pct": round((end_rss - base_rss) / base_rss * 100, 2) if base_rss else None,
        "threads_base": min(s.threads for s in base), "threads_end": min(s.threads for s in end),
        "threads_growth": min(s.threads for s in end) - min(s.threads for s in base),
        "fds_base": min(s.fds for s in base), "fds_end": min(s.fds for s in end),
        "fds_growth": min(s.fds for s in end) - min(s.fds for s in base),
    }


def check_ledger(sales: Iterable[Any], receipt_dir: str | Path) -> list[str]:
    """Problems of the stored sales (``SaleRecord``-like): no lines, a line total that is not price x
    count, a sale total that is not the sum of its lines, a missing receipt file (.txt or .pdf)."""
    problems: list[str] = []
    folder = Path(receipt_dir)
    for sale in sales:
        no = sale.receipt_no
        if not sale.lines:
            problems.append(f"{no}: no lines")
        for line in sale.lines:
            if line.count <= 0 or line.line_total_won != line.unit_price_won * line.count:
                problems.append(f"{no}: line {line.sku} is {line.count} x {line.unit_price_won} "
                                f"= {line.line_total_won}")
        lines_sum = sum(line.line_total_won for line in sale.lines)
        if sale.total_won != lines_sum:
            problems.append(f"{no}: total {sale.total_won} != sum of lines {lines_sum}")
        missing = [ext for ext in ("txt", "pdf") if not (folder / f"{no}.{ext}").is_file()]
        if missing:
            problems.append(f"{no}: receipt file missing ({', '.join('.' + m for m in missing)})")
    return problems


# -- the process and the machine ----------------------------------------------------------------------

@dataclass
class ProcReader:
    """Reads this process's RSS, threads and open descriptors from /proc (Linux)."""

    root: Path = field(default_factory=lambda: Path("/proc/self"))

    def rss_kb(self) -> int:
        for line in (self.root / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def threads(self) -> int:
        return len(os.listdir(self.root / "task"))

    def fds(self) -> int:
        return len(os.listdir(self.root / "fd"))

    def thread_names(self) -> dict[str, int]:
        """OS thread names (``comm``, 15 characters) and how many of each."""
        names: dict[str, int] = {}
        for task in os.listdir(self.root / "task"):
            try:
                name = (self.root / "task" / task / "comm").read_text().strip()
            except OSError:
                continue  # ended meanwhile
            names[name] = names.get(name, 0) + 1
        return dict(sorted(names.items()))


def proc_sample(t: float, sales: int, reader: ProcReader | None = None) -> Sample:
    reader = reader or ProcReader()
    return Sample(round(t, 2), reader.rss_kb(), reader.threads(), threading.active_count(), reader.fds(),
                  sales)


def process_age_s() -> float | None:
    """Seconds since this process started (from /proc), so start-up times include Python's imports."""
    try:
        stat = Path("/proc/self/stat").read_text()
        start_ticks = int(stat.rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine_description() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    ram_kb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_kb = int(line.split()[1])
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu": cpu, "cores": os.cpu_count(), "usable_cores": usable,
        "ram_gb": round(ram_kb / 1024 / 1024, 1) if ram_kb else None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(), "python": platform.python_version(),
        "versions": {name: _version(name) for name in (
            "torch", "onnxruntime", "PyQt5", "opencv-python-headless", "opencv-python", "mmdet", "mmcv",
            "facenet-pytorch", "dlib-bin")},
    }


def markdown_table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
