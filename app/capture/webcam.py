"""USB webcams through ``cv2.VideoCapture``, with disconnect detection and automatic reconnection.

A camera that is absent at start or unplugged later goes DISCONNECTED (never an exception); ``read()``
then tries to reopen it at most every ``retry_interval`` seconds (doubling up to
``max_retry_interval``), so a re-plugged camera comes back to LIVE on its own. ``read()`` returns
``None`` at once while disconnected: the caller should wait a little (say 0.1 s) before asking again.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any, Protocol

import cv2

from app.capture.base import Clock, Frame, FrameSource, SourceState
from app.capture.v4l2 import CameraInfo, device_name, list_cameras, video_index

log = logging.getLogger(__name__)

__all__ = ["CameraInfo", "CaptureFactory", "CaptureLike", "WebcamSource", "describe_camera",
           "list_cameras", "opencv_capture"]

IS_LINUX = sys.platform.startswith("linux")
_CAPTURE_ERRORS = (cv2.error, OSError, RuntimeError, SystemError)


class CaptureLike(Protocol):
    """The part of ``cv2.VideoCapture`` this module uses (tests inject fakes)."""

    def isOpened(self) -> bool: ...  # cv2's spelling
    def read(self) -> tuple[bool, Any]: ...
    def set(self, prop: int, value: float) -> bool: ...
    def get(self, prop: int) -> float: ...
    def release(self) -> None: ...


CaptureFactory = Callable[[int | str], CaptureLike]


class _Absent:
    """Stands in for a capture whose device node does not exist (avoids OpenCV's warning spam)."""

    def isOpened(self) -> bool:
        return False

    def read(self) -> tuple[bool, Any]:
        return False, None

    def set(self, prop: int, value: float) -> bool:
        return False

    def get(self, prop: int) -> float:
        return 0.0

    def release(self) -> None:
        pass


def _device_path(device: int | str) -> str | None:
    if isinstance(device, int):
        return f"/dev/video{device}" if IS_LINUX else None
    return device if device.startswith("/dev/") else None


def opencv_capture(device: int | str) -> CaptureLike:
    """Open ``device`` with OpenCV (V4L2 on Linux), or an always-closed stand-in if its node is absent."""
    path = _device_path(device)
    if path is not None and IS_LINUX:
        if not os.path.exists(path):
            return _Absent()
        return cv2.VideoCapture(device, cv2.CAP_V4L2)
    return cv2.VideoCapture(device)


def describe_camera(device: int | str) -> str:
    """A human-readable label: ``Camera 0 (/dev/video0, HD Webcam C270)``."""
    path = _device_path(device)
    index = device if isinstance(device, int) else video_index(device)
    details = [path] if path else ([] if isinstance(device, int) else [device])
    if index is not None and (name := device_name(index)):
        details.append(name)
    head = "Camera" if index is None else f"Camera {index}"
    return f"{head} ({', '.join(details)})" if details else head


class WebcamSource(FrameSource):
    """A live camera: ``device`` is an index (0) or a device path (/dev/video0, /dev/v4l/by-id/...)."""

    def __init__(self, device: int | str, width: int = 1280, height: int = 720, fps: float = 30, *,
                 fourcc: str | None = "MJPG", failures_to_disconnect: int = 5,
                 retry_interval: float = 1.0, max_retry_interval: float = 8.0,
                 capture_factory: CaptureFactory = opencv_capture, clock: Clock = time.monotonic) -> None:
        if isinstance(device, str) and device.strip().isdigit():
            device = int(device)
        super().__init__(describe_camera(device), clock=clock)
        self._label = self.name
        self.device = device
        self.width, self.height, self.fps = width, height, fps
        self.fourcc = fourcc
        self.failures_to_disconnect = failures_to_disconnect
        self.retry_interval, self.max_retry_interval = retry_interval, max_retry_interval
        self._factory = capture_factory
        self._cap: CaptureLike | None = None
        self._failures = 0
        self._frames_since_open = 0
        self._backoff = retry_interval
        self._next_attempt = 0.0
        self._actual_fps = 0.0
        self.open_attempts = 0

    @property
    def nominal_fps(self) -> float:
        return self._actual_fps or float(self.fps)

    def _open(self) -> None:
        self._backoff = self.retry_interval
        self._try_open()

    def _try_open(self) -> bool:
        self.open_attempts += 1
        self._label = describe_camera(self.device)  # the product name is only known while plugged in
        try:
            cap = self._factory(self.device)
            opened = bool(cap.isOpened())
        except _CAPTURE_ERRORS as exc:  # odd devices make OpenCV raise; treat them as not connected
            log.debug("opening %s failed: %s", self._label, exc)
            cap, opened = None, False
        if not opened:
            if cap is not None:
                cap.release()
            self._schedule_retry()
            self._set_status(SourceState.DISCONNECTED, f"{self._label} is not connected")
            return False
        self._configure(cap)
        self._cap, self._failures, self._frames_since_open = cap, 0, 0
        self._backoff = self.retry_interval
        self._set_status(SourceState.OPENING, f"{self._label}: waiting for the first frame")
        return True

    def _configure(self, cap: CaptureLike) -> None:
        if self.fourcc:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*self.fourcc))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_FPS, self.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # keep latency low: we want the latest frame, not a queue
        fps = cap.get(cv2.CAP_PROP_FPS)
        self._actual_fps = float(fps) if 0 < fps < 1000 else 0.0

    def _schedule_retry(self) -> None:
        self._next_attempt = self._clock() + self._backoff
        self._backoff = min(self._backoff * 2, self.max_retry_interval)

    def _read(self) -> Frame | None:
        if self._cap is None and (self._clock() < self._next_attempt or not self._try_open()):
            return None
        assert self._cap is not None
        try:
            ok, image = self._cap.read()
        except _CAPTURE_ERRORS as exc:
            log.debug("read from %s failed: %s", self._label, exc)
            ok, image = False, None
        if ok and image is not None and image.size:
            self._failures = 0
            self._frames_since_open += 1
            return self._emit(image)
        self._failures += 1
        if self._failures >= self.failures_to_disconnect:
            self._drop_connection()
        return None

    def _drop_connection(self) -> None:
        if self._frames_since_open:
            message = f"{self._label} stopped sending frames (unplugged?); reconnecting"
        else:
            message = f"{self._label} opened but sends no frames (in use by another program?); retrying"
        self._release()
        self._backoff = self.retry_interval
        self._schedule_retry()
        self._set_status(SourceState.DISCONNECTED, message)

    def _live_message(self) -> str:
        h, w = self._frame_shape or (self.height, self.width)
        return f"{self._label} is live ({w}x{h} at {self.nominal_fps:g} fps)"

    def _release(self) -> None:
        if self._cap is not None:
            try:
                self._cap.release()
            except _CAPTURE_ERRORS as exc:
                log.debug("release of %s failed: %s", self._label, exc)
            self._cap = None

    def _close(self) -> None:
        self._release()

