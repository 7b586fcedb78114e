"""Fault injection at the frame sources: corrupt frames, a resolution change, a driver that raises.

No Qt here: these are the sources the camera thread reads (see test_camera_faults.py for the thread).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from app.capture import ImageFolderSource, SourceState, SourceStatus, VideoFileSource, WebcamSource
from app.capture.base import CORRUPT_FRAMES_TO_FAULT, CorruptFrame, as_bgr, image_problem
from tests.fakes import FakeClock, Raw, ScriptedCamera, ScriptedCapture, bgr, write_test_video

CORRUPT = {
    "none": None,
    "list": [[1, 2, 3]],
    "float32": np.zeros((4, 4, 3), np.float32),
    "float64 nan": np.full((4, 4, 3), np.nan),
    "int32": np.zeros((4, 4, 3), np.int32),
    "bool": np.zeros((4, 4, 3), bool),
    "two channels": np.zeros((4, 4, 2), np.uint8),
    "five channels": np.zeros((4, 4, 5), np.uint8),
    "zero size": np.zeros((0, 0, 3), np.uint8),
    "zero width": np.zeros((4, 0, 3), np.uint8),
    "1-d": np.zeros(12, np.uint8),
    "4-d": np.zeros((2, 4, 4, 3), np.uint8),
    "absurd width": np.zeros((1, 20000, 3), np.uint8),
}


@pytest.mark.parametrize("image", CORRUPT.values(), ids=CORRUPT.keys())
def test_a_corrupt_frame_is_dropped_and_the_next_good_one_is_delivered(image):
    camera = ScriptedCamera([bgr(8, 6, 10), Raw(image), bgr(8, 6, 20)])
    first, bad, good = camera.read(), camera.read(), camera.read()
    assert first is not None and first.image[0, 0, 0] == 10
    assert bad is None
    assert camera.status.state is SourceState.LIVE, "one bad frame is not a fault yet"
    assert good is not None and good.image[0, 0, 0] == 20 and good.index == 1, "indexes stay contiguous"
    assert camera.corrupt_frames == 1


@pytest.mark.parametrize("image", CORRUPT.values(), ids=CORRUPT.keys())
def test_as_bgr_names_the_problem_instead_of_failing_deep_inside(image):
    with pytest.raises(CorruptFrame) as info:
        as_bgr(image)
    assert str(info.value) == image_problem(image)


def test_grey_bgra_and_16_bit_frames_are_converted_not_refused():
    for image in (np.zeros((4, 5), np.uint8), np.zeros((4, 5, 4), np.uint8), np.zeros((4, 5, 1), np.uint8),
                  np.full((4, 5, 3), 0x1234, np.uint16)):
        out = as_bgr(image)
        assert out.shape == (4, 5, 3) and out.dtype == np.uint8
    assert as_bgr(np.full((1, 1, 3), 0x1234, np.uint16))[0, 0, 0] == 0x12


def test_a_run_of_corrupt_frames_shows_as_a_fault_and_clears_on_the_next_good_frame(caplog):
    garbage = np.zeros((4, 4, 2), np.uint8)
    camera = ScriptedCamera([bgr(8, 6), *[Raw(garbage)] * (CORRUPT_FRAMES_TO_FAULT + 3), bgr(8, 6)])
    assert camera.read() is not None
    for _ in range(CORRUPT_FRAMES_TO_FAULT - 1):
        assert camera.read() is None
    assert camera.status.state is SourceState.LIVE
    assert camera.read() is None
    assert camera.status.state is SourceState.DISCONNECTED
    assert "unusable frames" in camera.status.message and "2 colour channels" in camera.status.message
    for _ in range(3):
        camera.read()
    assert camera.read() is not None
    assert camera.status.state is SourceState.LIVE
    warnings = [r for r in caplog.records if "dropped an unusable frame" in r.getMessage()]
    assert len(warnings) == 1, "a stream of bad frames logs once, not once per frame"


def test_noise_of_the_right_shape_is_a_frame():
    noise = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    frame = ScriptedCamera([noise]).read()
    assert frame is not None and np.array_equal(frame.image, noise)


def test_a_resolution_change_is_followed_and_shown_in_the_status():
    clock = FakeClock()
    capture = ScriptedCapture([bgr(640, 480)] * 2 + [bgr(1280, 720)] * 2)
    source = WebcamSource(0, 640, 480, 30, capture_factory=capture.factory, clock=clock)
    with source:
        frames = [source.read() for _ in range(4)]
    assert [(f.width, f.height) for f in frames] == [(640, 480)] * 2 + [(1280, 720)] * 2
    assert source.corrupt_frames == 0


def test_webcam_status_message_follows_the_resolution():
    capture = ScriptedCapture([bgr(640, 480), bgr(320, 240)])
    source = WebcamSource(0, 640, 480, 30, capture_factory=capture.factory, clock=FakeClock())
    source.open()
    source.read()
    assert "640x480" in source.status.message
    source.read()
    assert source.status.is_live and "320x240" in source.status.message
    source.close()


def test_webcam_with_corrupt_driver_output_shows_unusable_frames_not_an_exception():
    two_channel = np.zeros((480, 640, 2), np.uint8)  # YUYV bytes when OpenCV's RGB conversion is off
    capture = ScriptedCapture([two_channel])
    source = WebcamSource(0, capture_factory=capture.factory, clock=FakeClock())
    with source:
        assert all(source.read() is None for _ in range(CORRUPT_FRAMES_TO_FAULT))
        assert source.status.state is SourceState.DISCONNECTED
        assert "unusable frames" in source.status.message


def test_webcam_whose_driver_raises_goes_disconnected_and_reconnects():
    clock = FakeClock()
    capture = ScriptedCapture([cv2.error("select() timeout")] * 3 + [bgr(64, 48)])
    source = WebcamSource(0, capture_factory=capture.factory, clock=clock, failures_to_disconnect=3,
                          retry_interval=1.0)
    with source:
        assert [source.read() for _ in range(3)] == [None] * 3
        assert source.status.state is SourceState.DISCONNECTED
        clock.advance(1.5)
        frame = source.read()
        assert frame is not None and source.status.is_live


def test_scripted_status_steps_reach_the_status():
    camera = ScriptedCamera([bgr(4, 4), SourceStatus(SourceState.DISCONNECTED, "cable pulled")])
    camera.read()
    assert camera.read() is None and camera.status.message == "cable pulled"
    assert camera.read() is None and camera.status.state is SourceState.ENDED


def test_a_video_cut_off_mid_stream_ends_cleanly_and_loops_in_demo_mode(tmp_path):
    whole = write_test_video(tmp_path / "whole.avi", count=20, width=64, height=48)
    data = whole.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) * 6 // 10])  # the copy stopped part way (full disk, pulled USB stick)
    with VideoFileSource(cut) as once:
        frames = []
        while (frame := once.read()) is not None:
            frames.append(frame)
        assert 0 < len(frames) < 20 and once.status.state is SourceState.ENDED
    with VideoFileSource(cut, loop=True) as looping:
        assert all(looping.read() is not None for _ in range(2 * len(frames) + 3))
        assert looping.passes >= 2 and looping.status.is_live


def test_a_folder_of_photos_of_different_sizes_is_not_a_fault(tmp_path, caplog):
    for i, (w, h) in enumerate([(64, 48), (48, 64), (640, 480)]):
        cv2.imwrite(str(tmp_path / f"{i}.png"), bgr(w, h, 50))
    frames, statuses = [], set()
    with ImageFolderSource(tmp_path, loop=False) as folder:
        for _ in range(3):
            frames.append(folder.read())
            statuses.add(folder.status)
    assert [(f.width, f.height) for f in frames] == [(64, 48), (48, 64), (640, 480)]
    assert len(statuses) == 1 and not any("size changed" in r.getMessage() for r in caplog.records)
