"""Frame sources: webcam, video file, image folder. No Qt.

Every source is a ``FrameSource``: ``open()``, ``read() -> Frame | None``, ``close()``, a ``status``
(``SourceState`` + an English message) and ``nominal_fps``. ``read()`` never raises for camera trouble
(unplugged camera, corrupt file, end of video); it returns ``None`` and the status says why.
``SourceUnavailable`` is raised only for configuration errors such as a path that does not exist.

``open_source(settings.counter_camera, width=..., height=..., fps=...)`` builds the right source from
a setting. Sources are used from one thread (the camera worker), which should wait a little (about
0.1 s) after a ``None`` whose status is not terminal, and stop when ``status.is_terminal``.
"""

from app.capture.base import Frame, FrameSource, SourceState, SourceStatus, SourceUnavailable
from app.capture.factory import open_source
from app.capture.folder import ImageFolderSource
from app.capture.v4l2 import CameraInfo, list_cameras
from app.capture.video import VideoFileSource
from app.capture.webcam import WebcamSource, describe_camera

__all__ = [
    "CameraInfo",
    "Frame",
    "FrameSource",
    "ImageFolderSource",
    "SourceState",
    "SourceStatus",
    "SourceUnavailable",
    "VideoFileSource",
    "WebcamSource",
    "describe_camera",
    "list_cameras",
    "open_source",
]
