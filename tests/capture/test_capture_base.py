"""Frame, SourceStatus, Pacer and the FrameSource lifecycle, through FakeCamera."""

from __future__ import annotations

import numpy as np
import pytest

from app.capture import Frame, SourceState, SourceStatus
from app.capture.base import Pacer, as_bgr
from tests.fakes import FakeCamera, FakeClock, synthetic_image


def test_fake_camera_frames_are_deterministic() -> None:
    clock = FakeClock()
    with FakeCamera(width=40, height=30, clock=clock) as camera:
        frames = [camera.read() for _ in range(3)]
    assert [f.index for f in frames] == [0, 1, 2]
    assert all(f.timestamp == clock.now and f.source == "Fake camera" for f in frames)
    assert [int(f.image[0, 0, 2]) for f in frames] == [0, 1, 2]
    assert frames[1].image.shape == (30, 40, 3) and (frames[1].width, frames[1].height) == (40, 30)
    np.testing.assert_array_equal(frames[2].image, synthetic_image(2, 40, 30))
    assert camera.reads == 3 and camera.opens == 1 and camera.closes == 1


def test_fake_camera_unplug_replug() -> None:
    camera = FakeCamera()
    assert camera.read() is not None
    assert camera.status.state is SourceState.LIVE
    camera.unplug()
    assert camera.read() is None
    assert camera.status == SourceStatus(SourceState.DISCONNECTED, "Fake camera is not connected")
    assert not camera.status.is_terminal
    camera.replug()
    frame = camera.read()
    assert frame is not None and frame.index == 1
    assert camera.status.is_live


def test_fake_camera_frame_limit_and_images() -> None:
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 2] = 255
    camera = FakeCamera(max_frames=3, images=[red])
    frames = [camera.read() for _ in range(4)]
    assert frames[3] is None and camera.status.state is SourceState.ENDED and camera.status.is_terminal
    assert all(int(f.image[0, 0, 2]) == 255 for f in frames[:3])
    assert camera.reads == 4


def test_lifecycle_is_idempotent() -> None:
    camera = FakeCamera()
    assert camera.status.state is SourceState.OPENING
    camera.open()
    camera.open()
    camera.close()
    camera.close()
    assert camera.opens == 1 and camera.closes == 1
    assert camera.read() is None  # closed sources do not reopen by themselves
    camera.open()
    assert camera.read() is not None
    assert "FakeCamera" in repr(camera)


def test_frame_values() -> None:
    frame = Frame(np.zeros((2, 3, 3), np.uint8), 7, 1.5, "cam")
    with pytest.raises(AttributeError):
        frame.index = 8  # type: ignore[misc]
    assert (frame.width, frame.height) == (3, 2)


def test_as_bgr() -> None:
    assert as_bgr(np.zeros((2, 3), np.uint8)).shape == (2, 3, 3)
    assert as_bgr(np.zeros((2, 3, 4), np.uint8)).shape == (2, 3, 3)
    assert as_bgr(np.full((2, 3, 3), 65535, np.uint16)).max() == 255


def test_pacer() -> None:
    clock = FakeClock()
    pacer = Pacer(10, clock, clock.sleep)
    for _ in range(3):
        pacer.wait()
    assert clock.sleeps == [pytest.approx(0.1), pytest.approx(0.1)]
    clock.advance(0.15)  # late by less than a frame: the next one comes at once, then on schedule
    pacer.wait()
    pacer.wait()
    assert clock.sleeps[2:] == [pytest.approx(0.05)]
