"""Test doubles shared by the test suite (in the spirit of qutebrowser's tests/helpers/stubs.py)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from app.capture.base import Clock, Frame, FrameSource, SourceState


def synthetic_image(index: int, width: int = 64, height: int = 48) -> np.ndarray:
    """A deterministic BGR image for frame ``index``: a gradient shifted by the index.

    Blue is ``(x + index) % 256``, green is ``y % 256`` and red is ``index % 256`` everywhere, so
    ``image[0, 0, 2]`` tells which frame it is.
    """
    x = (np.arange(width, dtype=np.int64) + index) % 256
    y = np.arange(height, dtype=np.int64) % 256
    image = np.empty((height, width, 3), dtype=np.uint8)
    image[:, :, 0] = x[None, :]
    image[:, :, 1] = y[:, None]
    image[:, :, 2] = index % 256
    return image


class FakeCamera(FrameSource):
    """A camera that never touches hardware.

    Produces ``synthetic_image(n)`` frames, or cycles through ``images`` when given. ``unplug()`` makes
    reads return None with DISCONNECTED until ``replug()``; after ``max_frames`` frames the camera is
    ENDED. ``reads``, ``opens`` and ``closes`` count calls.
    """

    def __init__(self, name: str = "Fake camera", *, width: int = 64, height: int = 48, fps: float = 30.0,
                 max_frames: int | None = None, images: Sequence[np.ndarray] | None = None,
                 clock: Clock = time.monotonic) -> None:
        super().__init__(name, clock=clock)
        self.width, self.height, self.fps = width, height, fps
        self.max_frames = max_frames
        self.images = list(images) if images is not None else None
        self.plugged = True
        self.reads = self.opens = self.closes = 0
        self.produced = 0

    @property
    def nominal_fps(self) -> float:
        return self.fps

    def unplug(self) -> None:
        self.plugged = False

    def replug(self) -> None:
        self.plugged = True

    def _open(self) -> None:
        self.opens += 1
        if not self.plugged:
            self._set_status(SourceState.DISCONNECTED, f"{self.name} is not connected")

    def _read(self) -> Frame | None:
        self.reads += 1
        if self._status.is_terminal:
            return None
        if not self.plugged:
            self._set_status(SourceState.DISCONNECTED, f"{self.name} is not connected")
            return None
        if self.max_frames is not None and self.produced >= self.max_frames:
            self._set_status(SourceState.ENDED, f"{self.name} ended after {self.produced} frames")
            return None
        if self.images:
            image = self.images[self.produced % len(self.images)].copy()
        else:
            image = synthetic_image(self.produced, self.width, self.height)
        self.produced += 1
        return self._emit(image)

    def _close(self) -> None:
        self.closes += 1


class FakeClock:
    """A monotonic clock for tests: ``clock()`` reads it, ``sleep(dt)`` advances it and records ``dt``."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)

    def advance(self, seconds: float) -> None:
        self.now += seconds


def write_test_video(path: Path, count: int = 5, fps: float = 10.0, width: int = 64,
                     height: int = 48) -> Path:
    """Write ``count`` synthetic frames as an MJPG .avi (frame n has mean brightness close to 40 * n)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {path}")
    try:
        for n in range(count):
            writer.write(np.full((height, width, 3), (40 * n) % 256, dtype=np.uint8))
    finally:
        writer.release()
    return path
