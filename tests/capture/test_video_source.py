"""VideoFileSource on small MJPG files written at test time."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from app.capture import SourceState, SourceUnavailable, VideoFileSource
from tests.fakes import FakeClock, write_test_video


def read_all(source: VideoFileSource, limit: int = 100) -> list:
    frames = []
    for _ in range(limit):
        frame = source.read()
        if frame is None:
            break
        frames.append(frame)
    return frames


def test_reads_every_frame_then_ends(tmp_path: Path) -> None:
    path = write_test_video(tmp_path / "clip.avi", count=5, fps=10)
    with VideoFileSource(path) as source:
        frames = read_all(source)
        assert source.status.state is SourceState.ENDED
        assert "End of video file" in source.status.message
        assert source.read() is None
    assert [f.index for f in frames] == [0, 1, 2, 3, 4]
    assert source.nominal_fps == pytest.approx(10)
    first = frames[0]
    assert first.image.shape == (48, 64, 3) and first.image.dtype == np.uint8
    assert first.source == source.name == "Video clip.avi"
    brightness = [float(f.image.mean()) for f in frames]
    assert brightness == sorted(brightness) and brightness[-1] - brightness[0] > 100


def test_loop_rewinds(tmp_path: Path) -> None:
    path = write_test_video(tmp_path / "clip.avi", count=3)
    with VideoFileSource(path, loop=True) as source:
        frames = [source.read() for _ in range(7)]
        assert source.status.state is SourceState.LIVE
    assert all(f is not None for f in frames)
    means = [round(float(f.image.mean())) for f in frames]
    assert means[0:3] == means[3:6] and means[6] == means[0]
    assert [f.index for f in frames] == list(range(7))
    assert source.passes == 2


def test_realtime_paces_to_file_fps(tmp_path: Path) -> None:
    path = write_test_video(tmp_path / "clip.avi", count=6, fps=25)
    clock = FakeClock()
    with VideoFileSource(path, realtime=True, clock=clock, sleep=clock.sleep) as source:
        start = clock()
        stamps = [source.read().timestamp for _ in range(6)]
    assert stamps[0] == pytest.approx(start)
    assert np.diff(stamps) == pytest.approx([0.04] * 5)
    assert sum(clock.sleeps) == pytest.approx(0.2)


def test_realtime_does_not_sleep_when_consumer_is_slow(tmp_path: Path) -> None:
    path = write_test_video(tmp_path / "clip.avi", count=4, fps=10)
    clock = FakeClock()
    with VideoFileSource(path, realtime=True, clock=clock, sleep=clock.sleep) as source:
        source.read()
        clock.advance(0.5)  # the consumer took longer than a frame period
        source.read()
        assert clock.sleeps == []
        clock.advance(5.0)  # a long stall restarts the schedule instead of bursting
        source.read()
        source.read()
    assert clock.sleeps == [pytest.approx(0.1)]


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.mp4"
    with pytest.raises(SourceUnavailable, match=r"nope\.mp4"):
        VideoFileSource(missing)


def test_corrupt_file_fails_with_message(tmp_path: Path) -> None:
    path = tmp_path / "broken.avi"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 20_000, dtype=np.uint8).tobytes())
    source = VideoFileSource(path)
    source.open()
    assert source.read() is None
    assert source.status.state is SourceState.FAILED
    assert str(path) in source.status.message
    assert source.status.is_terminal
    source.close()


def test_empty_file_fails(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.touch()
    source = VideoFileSource(path)
    assert source.read() is None  # read() opens on first use
    assert source.status.state is SourceState.FAILED


def test_close_then_read_returns_none(tmp_path: Path) -> None:
    source = VideoFileSource(write_test_video(tmp_path / "clip.avi"))
    assert source.read() is not None
    source.close()
    source.close()
    assert source.read() is None
    assert source.status.state is SourceState.ENDED


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() == 0, reason="root reads anything")
def test_unreadable_file_fails(tmp_path: Path) -> None:
    path = write_test_video(tmp_path / "clip.avi")
    path.chmod(0)
    try:
        with VideoFileSource(path) as source:
            assert source.read() is None
            assert source.status.state is SourceState.FAILED
    finally:
        path.chmod(0o644)
