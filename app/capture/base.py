"""The frame source contract: ``Frame``, ``SourceStatus`` and the ``FrameSource`` base class.

A source is used from one thread (the camera worker). ``read()`` returns the next frame or ``None``
when there is none right now; ordinary camera trouble (unplugged, corrupt file, end of a video) never
raises but shows in ``status``. ``SourceUnavailable`` is raised only for configuration mistakes such as
a file path that does not exist.
"""

from __future__ import annotations

import enum
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import numpy as np

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], None]

MAX_FRAME_SIDE = 16384  # larger than any camera; a bigger "frame" is a decoding error
CORRUPT_FRAMES_TO_FAULT = 5  # this many unusable frames in a row show as a fault in ``status``


class SourceUnavailable(Exception):  # noqa: N818 - the name the design uses
    """A source that cannot exist as configured (a missing path, an unknown setting value)."""


class CorruptFrame(ValueError):  # noqa: N818 - reads as what it is, like SourceUnavailable
    """A decoded image that cannot be a camera frame (None, empty, wrong type, wrong channels)."""


class SourceState(enum.Enum):
    OPENING = "opening"
    LIVE = "live"
    ENDED = "ended"
    DISCONNECTED = "disconnected"
    FAILED = "failed"


@dataclass(frozen=True)
class SourceStatus:
    """Where a source stands, with an English message fit for the log and the screen."""

    state: SourceState
    message: str = ""

    @property
    def is_live(self) -> bool:
        return self.state is SourceState.LIVE

    @property
    def is_terminal(self) -> bool:
        """True when no more frames will come (ENDED, FAILED); DISCONNECTED may still recover."""
        return self.state in (SourceState.ENDED, SourceState.FAILED)


@dataclass(frozen=True, eq=False)
class Frame:
    """One BGR uint8 image (H x W x 3) with its running index and ``time.monotonic`` timestamp."""

    image: np.ndarray
    index: int
    timestamp: float
    source: str

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


def image_problem(image: object, *, strict: bool = False) -> str | None:
    """Why ``image`` cannot be a frame, or None when it can.

    Lenient (the default) accepts what ``as_bgr`` converts: uint8 or uint16, grey, 1, 3 or 4 channels.
    ``strict`` accepts only what a :class:`Frame` holds: BGR uint8, height x width x 3.
    """
    if image is None:
        return "no image (None)"
    if not isinstance(image, np.ndarray):
        return f"not an image array but {type(image).__name__}"
    allowed = (np.uint8,) if strict else (np.uint8, np.uint16)
    if image.dtype not in allowed:
        return f"pixel type {image.dtype} (expected {' or '.join(np.dtype(t).name for t in allowed)})"
    if image.ndim != 3 and (strict or image.ndim != 2):
        return f"array of shape {image.shape} (expected height x width x 3)"
    if image.ndim == 3 and image.shape[2] not in ((3,) if strict else (1, 3, 4)):
        return f"{image.shape[2]} colour channels (expected 3)"
    height, width = image.shape[:2]
    if height == 0 or width == 0:
        return f"empty image ({width}x{height})"
    if height > MAX_FRAME_SIDE or width > MAX_FRAME_SIDE:
        return f"image of {width}x{height} pixels (at most {MAX_FRAME_SIDE} a side)"
    return None


def as_bgr(image: np.ndarray) -> np.ndarray:
    """Coerce a decoded image to 3-channel BGR uint8 (grey, BGRA and 16-bit inputs are converted).

    Raises :class:`CorruptFrame` (naming the problem) for anything else: None, an empty array, float
    pixels, 2 or 5 channels, ...
    """
    if (problem := image_problem(image)) is not None:
        raise CorruptFrame(problem)
    if image.dtype != np.uint8:
        image = (image >> 8).astype(np.uint8)  # uint16: keep the high byte
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.shape[2] == 4:
        return np.ascontiguousarray(image[:, :, :3])
    if image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    return image


class Pacer:
    """Sleeps so that successive ``wait()`` calls return at ``fps`` (for files standing in for cameras).

    Frame k is due ``k / fps`` seconds after the first call. When the caller falls more than
    ``max_lag`` seconds behind, the schedule restarts instead of bursting to catch up.
    """

    def __init__(self, fps: float, clock: Clock = time.monotonic, sleep: Sleep = time.sleep,
                 max_lag: float = 1.0) -> None:
        self.period = 1.0 / fps
        self._clock, self._sleep, self._max_lag = clock, sleep, max_lag
        self._start: float | None = None
        self._count = 0

    def wait(self) -> None:
        now = self._clock()
        if self._start is None or now - (self._start + self._count * self.period) > self._max_lag:
            self._start, self._count = now, 0
        due = self._start + self._count * self.period
        if due > now:
            self._sleep(due - now)
        self._count += 1

    def reset(self) -> None:
        self._start, self._count = None, 0


class FrameSource(ABC):
    """Base of every frame source; subclasses implement ``_open``, ``_read`` and ``_close``.

    ``open()`` and ``close()`` are idempotent; ``read()`` opens the source on first use and returns
    ``None`` after ``close()``. Usable as a context manager (``with source: ...``).
    """

    def __init__(self, name: str, *, clock: Clock = time.monotonic) -> None:
        self._name = name
        self._clock = clock
        self._status = SourceStatus(SourceState.OPENING, f"{name}: not opened yet")
        self._is_open = False
        self._closed = False
        self._next_index = 0
        self._frame_shape: tuple[int, int] | None = None  # (height, width) of the last frame
        self._corrupt_run = 0
        self.corrupt_frames = 0  # unusable images dropped since the source was made

    @property
    def name(self) -> str:
        return self._name

    @property
    def status(self) -> SourceStatus:
        return self._status

    @property
    def is_open(self) -> bool:
        return self._is_open

    @property
    @abstractmethod
    def nominal_fps(self) -> float:
        """Frames per second the source delivers (or is expected to), for pacing and display."""

    def open(self) -> None:
        """Start the source; failures show in ``status`` (only configuration errors raise)."""
        if self._is_open:
            return
        self._is_open, self._closed = True, False
        self._set_status(SourceState.OPENING, f"{self._name}: opening")
        self._open()

    def read(self) -> Frame | None:
        """The next frame, or ``None`` when there is none right now (see ``status`` for why)."""
        if not self._is_open:
            if self._closed:
                return None
            self.open()
        return self._read()

    def close(self) -> None:
        """Release the device or file; safe to call more than once."""
        if not self._is_open:
            return
        self._is_open, self._closed = False, True
        try:
            self._close()
        finally:
            self._set_status(SourceState.ENDED, f"{self._name} closed")

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._name!r} {self._status.state.value}>"

    @abstractmethod
    def _open(self) -> None: ...

    @abstractmethod
    def _read(self) -> Frame | None: ...

    @abstractmethod
    def _close(self) -> None: ...

    def _emit(self, image: np.ndarray) -> Frame | None:
        """Wrap ``image`` as the next frame and mark the source LIVE.

        An unusable image (see :func:`image_problem`) is dropped and None returned; after
        ``CORRUPT_FRAMES_TO_FAULT`` in a row the status says DISCONNECTED with the reason, and the next
        good frame makes the source LIVE again.
        """
        try:
            bgr = as_bgr(image)
        except CorruptFrame as exc:
            self._drop_corrupt(str(exc))
            return None
        self._corrupt_run = 0
        shape = (int(bgr.shape[0]), int(bgr.shape[1]))
        if self._status.state is not SourceState.LIVE:
            self._frame_shape = shape
            self._set_status(SourceState.LIVE, self._live_message())
        elif shape != self._frame_shape:
            old, self._frame_shape = self._frame_shape, shape
            if old is not None:
                self._resolution_changed(old, shape)
        frame = Frame(bgr, self._next_index, self._clock(), self._name)
        self._next_index += 1
        return frame

    def _drop_corrupt(self, reason: str) -> None:
        self.corrupt_frames += 1
        self._corrupt_run += 1
        if self.corrupt_frames == 1 or self.corrupt_frames % 100 == 0:
            log.warning("%s: dropped an unusable frame (%s); %d so far", self._name, reason,
                        self.corrupt_frames)
        if self._corrupt_run >= CORRUPT_FRAMES_TO_FAULT:
            self._set_status(SourceState.DISCONNECTED,
                             f"{self._name} sends unusable frames ({reason}); waiting for good ones")

    def _resolution_changed(self, old: tuple[int, int], new: tuple[int, int]) -> None:
        """The frame size changed while live; by default the status message is renewed and logged."""
        log.info("%s: frame size changed from %dx%d to %dx%d", self._name, old[1], old[0], new[1], new[0])
        self._set_status(SourceState.LIVE, self._live_message())

    def _live_message(self) -> str:
        return f"{self._name} is live"

    def _set_status(self, state: SourceState, message: str) -> None:
        new = SourceStatus(state, message)
        if new == self._status:
            return
        self._status = new
        level = logging.WARNING if state in (SourceState.DISCONNECTED, SourceState.FAILED) else logging.INFO
        log.log(level, "%s: %s", state.value, message)
