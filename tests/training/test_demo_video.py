"""The demo counter video and its ground-truth timeline agree with each other."""

from __future__ import annotations

import itertools
import json

import cv2
import pytest

from app.training.demo_video import DEFAULT_SCRIPT, Step, counts_at, plan_frames, render_demo_video

from . import scene_data as data
from .scene_data import RESOURCES

DEMO = RESOURCES / "demo"


@pytest.fixture(scope="module")
def timeline() -> dict:
    return json.loads((DEMO / "counter.json").read_text(encoding="utf-8"))


def _check_segments(timeline: dict) -> None:
    segments = timeline["segments"]
    assert segments[0]["start"] == 0 and segments[-1]["end"] == timeline["frame_count"]
    for prev, seg in itertools.pairwise(segments):
        assert prev["end"] == seg["start"] and seg["start"] < seg["end"]
    for seg in segments:
        counts: dict[str, int] = {}
        for item in seg["items"]:
            counts[item["class"]] = counts.get(item["class"], 0) + 1
            x, y, w, h = item["bbox"]
            assert x >= 0 and y >= 0 and x + w <= timeline["width"] and y + h <= timeline["height"]
        assert counts == seg["counts"]
        assert seg["hand"] or seg["held"] is None


def test_committed_video_matches_its_timeline(timeline):
    video = DEMO / timeline["video"]
    assert video.is_file() and video.stat().st_size < 8_000_000
    cap = cv2.VideoCapture(str(video))
    assert cap.isOpened()
    frames = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if frames == 0:
            assert frame.shape == (timeline["height"], timeline["width"], 3)
        frames += 1
    fps = cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    assert frames == timeline["frame_count"]
    assert fps == pytest.approx(timeline["fps"])
    assert 20 <= timeline["duration_s"] <= 30
    _check_segments(timeline)


def test_timeline_tells_the_demo_story(timeline):
    segments = timeline["segments"]
    assert segments[0]["event"] == "empty" and not segments[0]["items"] and not segments[0]["hand"]
    events = [s["event"] for s in segments]
    assert sum(e.startswith("place ") for e in dict.fromkeys(events)) == 6
    assert "remove banana_milk_240ml" in events and "move cass_fresh_can_355ml" in events
    assert counts_at(timeline, timeline["frame_count"] - 1) == {
        "coke_500ml": 1, "shin_ramyun_5pack": 1, "cass_fresh_can_355ml": 1, "coke_zero_500ml": 1,
        "strawberry_milk_240ml": 1}
    assert not segments[-1]["hand"]
    with pytest.raises(IndexError):
        counts_at(timeline, timeline["frame_count"])


def test_items_appear_when_the_hand_lets_go():
    frames = plan_frames(DEFAULT_SCRIPT, 640, 480)
    first = next(i for i, f in enumerate(frames) if f.counter)
    assert frames[first - 1].held is not None and frames[first].held is None
    assert frames[first].hand is not None  # the hand is still leaving
    moved = [f for f in frames if f.event.startswith("move") and f.held is not None]
    assert moved and all(f.hand is not None for f in moved)


def test_render_small_video(tmp_path):
    packaging = data.packaging()
    script = (Step("wait", 3), Step("place", detector_class="cass_fresh_can_355ml", at=(0.5, 0.5, 30)),
              Step("remove", detector_class="cass_fresh_can_355ml"), Step("wait", 2))
    timeline = render_demo_video(packaging, tmp_path / "tiny.mp4", script, width=160, height=120, fps=5)
    path = tmp_path / timeline["video"]
    cap = cv2.VideoCapture(str(path))
    count = 0
    while cap.read()[0]:
        count += 1
    cap.release()
    assert count == timeline["frame_count"] == 3 + 2 * (10 + 4 + 10) + 2
    assert json.loads(path.with_suffix(".json").read_text(encoding="utf-8")) == timeline
    _check_segments(timeline)
