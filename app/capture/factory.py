"""Turn a camera setting (``counter_camera``, ``face_camera``) into a frame source."""

from __future__ import annotations

import logging
from pathlib import Path

from app.capture.base import FrameSource, SourceUnavailable
from app.capture.folder import ImageFolderSource
from app.capture.video import VideoFileSource
from app.capture.webcam import WebcamSource

log = logging.getLogger(__name__)


def open_source(spec: str, *, width: int = 1280, height: int = 720, fps: float = 30,
                realtime: bool = True, folder_fps: float = 2.0) -> FrameSource:
    """Map a setting to a source, not yet opened (call ``open()`` or use ``with`` in the camera thread).

    - ``"0"``, ``"1"``: webcam index; ``/dev/video2``, ``/dev/v4l/by-id/...``: webcam device path
    - an existing folder: its images, looping, ``folder_fps`` images a second
    - an existing file: a video file, looping (demo mode)

    ``realtime`` paces files to their frame rate so they behave like a camera. Anything else raises
    ``SourceUnavailable`` naming the setting.
    """
    text = spec.strip()
    if not text:
        raise SourceUnavailable("No camera configured: the camera setting is empty")
    if text.isdigit():
        return WebcamSource(int(text), width, height, fps)
    if text.startswith("/dev/"):
        return WebcamSource(text, width, height, fps)
    path = Path(text).expanduser()
    if path.is_dir():
        return ImageFolderSource(path, fps=folder_fps, loop=True, realtime=realtime)
    if path.is_file():
        return VideoFileSource(path, loop=True, realtime=realtime)
    raise SourceUnavailable(
        f"Camera setting {spec!r} is not a webcam index, a /dev/video device, a video file or an image "
        f"folder: no such file or folder {path}")
