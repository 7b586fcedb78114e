"""Test doubles shared by the test suite (in the spirit of qutebrowser's tests/helpers/stubs.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from app.capture.base import Clock, Frame, FrameSource, SourceState, SourceStatus


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


STALL = "stall"  # a ScriptedCamera step: read() blocks until release()


class Raw:
    """A ScriptedCamera step that hands ``value`` to ``_emit`` as the decoded image, whatever it is
    (``Raw(None)``, a float array, a list...), as a broken decoder would."""

    def __init__(self, value: object) -> None:
        self.value = value


class ScriptedCamera(FrameSource):
    """A fake camera that plays ``script``, one step per ``read()``, for fault injection.

    A step is an image (anything: it goes through ``_emit`` like a real decoder's output, so a corrupt
    one is checked there), ``None`` (no frame this time, still LIVE), ``STALL`` (the read blocks until
    ``release()``, like a hung driver; ``stalled`` is set meanwhile), an exception instance (raised) or
    a ``SourceStatus`` (the source goes to that state and returns None). After the last step the source
    is ENDED, or the last step repeats when ``repeat_last``.
    """

    def __init__(self, script: Sequence[object], name: str = "Scripted camera", *, fps: float = 30.0,
                 repeat_last: bool = False, clock: Clock = time.monotonic) -> None:
        super().__init__(name, clock=clock)
        self.script = list(script)
        self.fps = fps
        self.repeat_last = repeat_last
        self.position = 0
        self.reads = self.opens = self.closes = 0
        self.stalled = threading.Event()
        self._release = threading.Event()
        self.closed_by: str | None = None  # the name of the thread that closed the source

    @property
    def nominal_fps(self) -> float:
        return self.fps

    def release(self) -> None:
        """Let a blocked read return (and every later STALL step pass at once)."""
        self._release.set()

    def _open(self) -> None:
        self.opens += 1

    def _read(self) -> Frame | None:
        self.reads += 1
        if self._status.is_terminal:
            return None
        if self.position >= len(self.script):
            if not self.repeat_last or not self.script:
                self._set_status(SourceState.ENDED, f"{self.name}: end of script")
                return None
            self.position = len(self.script) - 1
        step = self.script[self.position]
        self.position += 1
        if isinstance(step, str) and step == STALL:
            self.stalled.set()
            self._release.wait(timeout=30)
            self.stalled.clear()
            return None
        if step is None:
            return None
        if isinstance(step, Raw):
            return self._emit(step.value)  # type: ignore[arg-type]
        if isinstance(step, BaseException):
            raise step
        if isinstance(step, SourceStatus):
            self._set_status(step.state, step.message)
            return None
        return self._emit(step)  # type: ignore[arg-type]

    def _close(self) -> None:
        self.closes += 1
        self.closed_by = threading.current_thread().name


def bgr(width: int, height: int, value: int = 0) -> np.ndarray:
    """A flat BGR uint8 image of ``width`` x ``height``."""
    return np.full((height, width, 3), value, np.uint8)


class BoxDetector:
    """A product detector double: one box covering the whole frame, for every frame it gets.

    ``shapes`` records the (height, width) of every image passed to ``detect``; ``fail`` makes
    ``detect`` raise that exception instead.
    """

    backend = "fake"

    def __init__(self, classes: Sequence[str] = ("coke_500ml",)) -> None:
        from app.vision.detection import ModelBundle

        self.bundle = ModelBundle(Path("fake-model"), {"name": "box", "classes": list(classes),
                                                       "input_size": [320, 256], "files": {}})
        self.shapes: list[tuple[int, int]] = []
        self.fail: BaseException | None = None

    def detect(self, image_bgr: np.ndarray) -> list:
        from app.vision.detection import Detection, check_image

        check_image(image_bgr)
        if self.fail is not None:
            raise self.fail
        height, width = image_bgr.shape[:2]
        self.shapes.append((height, width))
        return [Detection(0, self.bundle.classes[0], 0.9, (0.0, 0.0, float(width), float(height)))]


class ScriptedCapture:
    """A stand-in for ``cv2.VideoCapture`` whose ``read()`` plays ``results``: each is an image (read
    succeeds with it), ``None`` (read fails) or an exception instance (raised); the last one repeats.
    Use ``ScriptedCapture(results).factory`` as a ``WebcamSource`` ``capture_factory``."""

    def __init__(self, results: Sequence[object]) -> None:
        self.results = list(results)
        self.position = 0
        self.released = 0
        self.props: dict[int, float] = {}

    def factory(self, device: int | str) -> ScriptedCapture:
        return self

    def isOpened(self) -> bool:  # cv2's spelling
        return True

    def read(self) -> tuple[bool, object]:
        step = self.results[min(self.position, len(self.results) - 1)]
        self.position += 1
        if isinstance(step, BaseException):
            raise step
        return (step is not None), step

    def set(self, prop: int, value: float) -> bool:
        self.props[prop] = value
        return True

    def get(self, prop: int) -> float:
        return self.props.get(prop, 0.0)

    def release(self) -> None:
        self.released += 1
