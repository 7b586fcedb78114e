"""open_source: mapping a camera setting to a frame source."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from app.capture import (
    ImageFolderSource,
    SourceState,
    SourceUnavailable,
    VideoFileSource,
    WebcamSource,
    open_source,
)
from app.core.settings import Settings
from tests.fakes import write_test_video

SIZE = {"width": 640, "height": 480, "fps": 15}


@pytest.mark.parametrize("spec, device", [("0", 0), (" 2 ", 2), ("/dev/video4", "/dev/video4"),
                                          ("/dev/v4l/by-id/usb-cam-video-index0",
                                           "/dev/v4l/by-id/usb-cam-video-index0")])
def test_webcams(spec: str, device: int | str) -> None:
    source = open_source(spec, **SIZE)
    assert isinstance(source, WebcamSource)
    assert source.device == device
    assert (source.width, source.height, source.fps) == (640, 480, 15)
    assert not source.is_open  # opened later, in the camera thread


def test_folder_and_video(tmp_path: Path) -> None:
    folder = tmp_path / "scene"
    folder.mkdir()
    cv2.imwrite(str(folder / "1.png"), np.zeros((8, 8, 3), np.uint8))
    source = open_source(str(folder), **SIZE, realtime=False)
    assert isinstance(source, ImageFolderSource) and source.loop and not source.realtime

    video = write_test_video(tmp_path / "demo.avi", count=2)
    source = open_source(str(video), **SIZE)
    assert isinstance(source, VideoFileSource) and source.loop and source.realtime
    with source:
        assert source.read() is not None
        assert source.status.state is SourceState.LIVE


@pytest.mark.parametrize("spec, words", [("", "empty"), ("   ", "empty"),
                                         ("/no/such/place.mp4", "/no/such/place.mp4"),
                                         ("webcam", "'webcam'")])
def test_bad_settings(spec: str, words: str) -> None:
    with pytest.raises(SourceUnavailable, match=words):
        open_source(spec, **SIZE)


def test_default_settings_map_to_webcams() -> None:
    settings = Settings()
    for spec in (settings.counter_camera, settings.face_camera):
        source = open_source(spec, width=settings.camera_width, height=settings.camera_height,
                             fps=settings.camera_fps)
        assert isinstance(source, WebcamSource)
