"""The pure helpers of benchmarks/bench_kiosk.py and benchmarks/soak.py (no kiosk is started here)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


lib = _load("benchlib")


def seg(start, end, hand, counts, event=""):
    return {"start": start, "end": end, "hand": hand, "counts": counts, "event": event}


SEGMENTS = [
    seg(0, 10, False, {}, "empty"),
    seg(10, 14, True, {}, "place a"),
    seg(14, 18, True, {"a": 1}, "place a"),  # placed, the hand still there
    seg(18, 25, False, {"a": 1}, "still"),
    seg(25, 30, True, {}, "lift a"),  # lifted and put back: no change
    seg(30, 34, True, {"a": 1}, "put back a"),
    seg(34, 40, False, {"a": 1}, "still"),
    seg(40, 44, True, {"a": 1, "b": 2}, "place b"),
    seg(44, 50, False, {"a": 1, "b": 2}, "still"),
]


# -- the timeline ------------------------------------------------------------------------------------

def test_count_changes_starts_at_the_new_counts_and_settles_when_the_hand_is_gone():
    changes = lib.count_changes(SEGMENTS)
    assert [(c.change_frame, c.settled_frame, c.counts_dict, c.label) for c in changes] == [
        (14, 18, {"a": 1}, "place a"),
        (40, 44, {"a": 1, "b": 2}, "place b"),
    ]


def test_count_changes_retimes_for_a_video_at_twice_the_rate():
    changes = lib.count_changes(SEGMENTS, scale=2)
    assert [(c.change_frame, c.settled_frame) for c in changes] == [(28, 36), (80, 88)]


def test_a_looping_video_jumps_back_to_the_first_scene():
    changes = lib.count_changes(SEGMENTS, loop=True)
    assert (changes[0].change_frame, changes[0].settled_frame, changes[0].counts) == (0, 0, ())
    assert len(changes) == 3


def test_a_removal_is_a_change_too():
    segments = [seg(0, 5, False, {"a": 1, "b": 1}), seg(5, 8, True, {"a": 1, "b": 1}),
                seg(8, 10, True, {"a": 1}), seg(10, 20, False, {"a": 1})]
    (only,) = lib.count_changes(segments, loop=True)[1:]
    assert (only.change_frame, only.settled_frame, only.counts_dict) == (8, 10, {"a": 1})


def test_the_demo_timeline_gives_one_change_per_hand_free_scene():
    timeline = json.loads((BENCHMARKS.parent / "resources" / "demo" / "counter.json").read_text())
    changes = lib.count_changes(timeline["segments"], scale=2)
    free = [lib.freeze_counts(s["counts"]) for s in timeline["segments"] if not s["hand"]]
    distinct = [c for i, c in enumerate(free) if c != (free[i - 1] if i else ())]
    assert [c.counts for c in changes] == distinct
    assert all(c.change_frame <= c.settled_frame and c.change_frame % 2 == 0 for c in changes)
    assert lib.timeline_frames(timeline) == timeline["frame_count"]


# -- latency -----------------------------------------------------------------------------------------

def test_latency_runs_from_the_shown_frames_to_the_matching_cart():
    cart: dict[str, int] = {}
    tracker = lib.LatencyTracker(lib.count_changes(SEGMENTS), period=50, loop=True, cart_counts=lambda: cart)
    tracker.start()
    for index in range(0, 20):
        tracker.frame_shown(index, index * 0.1)  # change shown at 1.4 s, hand gone at 1.8 s
    cart["a"] = 1
    tracker.cart_changed(cart, 2.0)
    for index in range(20, 46):
        tracker.frame_shown(index, index * 0.1)  # "place b" shown at 4.0 s
    report = tracker.report()
    (first, second) = tracker.events
    assert first.from_change_s == pytest.approx(0.6) and first.from_settled_s == pytest.approx(0.2)
    assert second.matched is None and not second.superseded
    assert report["matched"] == 1 and report["unmatched_at_end"] == 1
    assert report["from_settled_ms"]["p50"] == pytest.approx(200.0)


def test_a_cart_that_matched_before_the_hand_left_counts_as_zero():
    cart: dict[str, int] = {}
    tracker = lib.LatencyTracker(lib.count_changes(SEGMENTS), period=50, cart_counts=lambda: cart)
    tracker.start()
    tracker.frame_shown(14, 1.0)
    cart["a"] = 1
    tracker.cart_changed(cart, 1.2)
    tracker.frame_shown(18, 1.5)
    assert tracker.events[0].from_settled_s == 0.0


def test_changes_before_start_are_not_timed_and_a_missed_change_is_superseded():
    tracker = lib.LatencyTracker(lib.count_changes(SEGMENTS, loop=True), period=50, loop=True)
    tracker.frame_shown(20, 0.0)  # "place a" happened before start
    tracker.start()
    tracker.frame_shown(41, 1.0)  # "place b"
    tracker.frame_shown(50, 2.0)  # the loop: back to an empty counter, before the cart had "b"
    assert [e.change.label for e in tracker.events] == ["place b", "empty"]
    assert tracker.events[0].superseded
    assert tracker.events[1].pass_no == 1


def test_skipped_frames_still_activate_the_change_once():
    tracker = lib.LatencyTracker(lib.count_changes(SEGMENTS), period=50)
    tracker.start()
    tracker.frame_shown(10, 0.0)
    tracker.frame_shown(19, 1.0)  # 14 (change) and 18 (settled) were never shown
    tracker.frame_shown(20, 1.1)
    (event,) = tracker.events
    assert event.change_shown == 1.0 and event.settled_shown == 1.0


# -- statistics ----------------------------------------------------------------------------------

def test_percentile_interpolates_like_numpy():
    values = [4.0, 1.0, 3.0, 2.0]
    assert lib.percentile(values, 50) == pytest.approx(2.5)
    assert lib.percentile(values, 95) == pytest.approx(3.85)
    assert lib.percentile(values, 0) == 1.0 and lib.percentile(values, 100) == 4.0
    assert lib.percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        lib.percentile([], 50)


def test_summary_of_nothing_is_none():
    assert lib.summary([])["p95"] is None
    assert lib.summary([1.0, 3.0])["max"] == 3.0


def test_stall_meter_measures_lateness_on_a_fake_clock():
    now = [0.0]
    meter = lib.StallMeter(0.010, clock=lambda: now[0])
    meter.start()
    for step in (0.010, 0.011, 0.090, 0.005, 0.010):
        now[0] += step
        meter.tick()
    assert meter.lateness_s == pytest.approx([0.0, 0.001, 0.080, 0.0, 0.0])
    stats = meter.stats()
    assert stats["max"] == pytest.approx(80.0) and stats["over_50ms"] == 1 and stats["n"] == 5
    assert meter.stats(since=3)["max"] == 0.0
    assert stats["max_at_s"] == pytest.approx(0.021 + 0.010)  # when the late tick was due


# -- soak verdicts -------------------------------------------------------------------------------

def samples(rss, threads=None, fds=None):
    threads = threads or [30] * len(rss)
    fds = fds or [40] * len(rss)
    return [lib.Sample(float(i * 5), r, t, t, f, 0) for i, (r, t, f) in enumerate(zip(rss, threads, fds,
                                                                                        strict=True))]


def test_growth_after_warm_up_leaves_the_start_out():
    flat = lib.growth_report(samples([100_000] * 2 + [500_000] * 18))  # loading models in the warm-up
    assert flat["rss_growth_pct"] == 0.0 and flat["threads_growth"] == 0 and flat["fds_growth"] == 0
    leak = lib.growth_report(samples([500_000 + 5_000 * i for i in range(20)]))
    assert leak["rss_growth_pct"] > 5


def test_a_thread_that_lives_for_a_moment_is_no_growth_but_a_lasting_one_is():
    moment = [30] * 20
    moment[-2] = 31
    assert lib.growth_report(samples([1000] * 20, threads=moment))["threads_growth"] == 0
    lasting = [30] * 12 + [31] * 8
    assert lib.growth_report(samples([1000] * 20, fds=lasting))["fds_growth"] == 1


def test_min_warmup_moves_the_baseline_past_model_loading():
    report = lib.growth_report(samples([1000] * 20), 0.2, min_warmup_s=50.0)
    assert report["warmup_end_s"] == 50.0 and report["after_warmup"] == 10


def _sale(no, lines, total):
    return SimpleNamespace(receipt_no=no, total_won=total, lines=tuple(
        SimpleNamespace(sku=sku, unit_price_won=price, count=count, line_total_won=line_total)
        for sku, price, count, line_total in lines))


def test_the_ledger_check_names_each_problem(tmp_path):
    for name in ("R1.txt", "R1.pdf", "R2.txt", "R2.pdf", "R3.txt"):
        (tmp_path / name).write_text("x")
    good = _sale("R1", [("a", 1000, 2, 2000), ("b", 500, 1, 500)], 2500)
    bad_total = _sale("R2", [("a", 1000, 2, 2000)], 2100)
    bad_line = _sale("R3", [("a", 1000, 2, 1500)], 1500)
    empty = _sale("R4", [], 0)
    problems = lib.check_ledger([good, bad_total, bad_line, empty], tmp_path)
    assert lib.check_ledger([good], tmp_path) == []
    assert any(p.startswith("R2: total 2100") for p in problems)
    assert any(p.startswith("R3: line a") for p in problems)
    assert "R3: receipt file missing (.pdf)" in problems
    assert "R4: no lines" in problems and "R4: receipt file missing (.txt, .pdf)" in problems


def test_proc_sample_reads_this_process():
    sample = lib.proc_sample(1.0, 3)
    assert sample.rss_kb > 0 and sample.threads >= 1 and sample.fds >= 3 and sample.sales == 3


def test_markdown_table():
    table = lib.markdown_table([["a", 1]], ("x", "y"))
    assert table.splitlines() == ["| x | y |", "| --- | --- |", "| a | 1 |"]


# -- the face video ------------------------------------------------------------------------------

def test_face_frames_move_and_loop_without_a_jump():
    import numpy as np

    media = _load("benchmedia")
    photo = np.zeros((200, 150, 3), np.uint8)
    photo[50:150, 30:120] = 255
    frames = [media.face_frame(photo, i, 30, (320, 240)) for i in (0, 1, 30)]
    assert frames[0].shape == (240, 320, 3) and frames[0].dtype == np.uint8
    assert not np.array_equal(frames[0], frames[1])
    assert np.array_equal(frames[0], frames[2])


def test_first_face_photo_skips_the_group_folder(tmp_path):
    media = _load("benchmedia")
    for path in ("group/a.jpg", "zed/1.jpg", "bob/2.jpg", "bob/1.jpg"):
        (tmp_path / path).parent.mkdir(exist_ok=True)
        (tmp_path / path).write_bytes(b"")
    assert media.first_face_photo(tmp_path) == tmp_path / "bob" / "1.jpg"
    assert media.first_face_photo(tmp_path / "missing") is None
