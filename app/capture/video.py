"""A video file as a frame source (demo mode, tests, replaying a recorded counter)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import cv2

from app.capture.base import Clock, Frame, FrameSource, Pacer, Sleep, SourceState, SourceUnavailable

log = logging.getLogger(__name__)

DEFAULT_FPS = 30.0


class VideoFileSource(FrameSource):
    """Frames of a video file; ENDED at its end, or rewinds when ``loop``.

    With ``realtime`` each ``read()`` sleeps until its frame is due at the file's frame rate, so the
    file can stand in for a live camera. A missing file raises ``SourceUnavailable``; a file OpenCV
    cannot decode gives FAILED.
    """

    def __init__(self, path: str | Path, loop: bool = False, realtime: bool = False, *,
                 clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        self.path = Path(path).expanduser()
        if not self.path.is_file():
            raise SourceUnavailable(f"Video file not found: {self.path}")
        super().__init__(f"Video {self.path.name}", clock=clock)
        self.loop, self.realtime = loop, realtime
        self._sleep = sleep
        self._cap: cv2.VideoCapture | None = None
        self._fps = DEFAULT_FPS
        self._pacer: Pacer | None = None
        self._frames_this_pass = 0
        self.passes = 0

    @property
    def nominal_fps(self) -> float:
        return self._fps

    def _open(self) -> None:
        if not self._open_capture():
            return
        fps = self._cap.get(cv2.CAP_PROP_FPS) if self._cap is not None else 0.0
        self._fps = float(fps) if 0 < fps <= 1000 else DEFAULT_FPS
        self._pacer = Pacer(self._fps, self._clock, self._sleep) if self.realtime else None

    def _open_capture(self) -> bool:
        self._release()
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            self._fail(f"Cannot read video file {self.path} (not a video, or corrupt)")
            return False
        self._cap, self._frames_this_pass = cap, 0
        return True

    def _fail(self, message: str) -> None:
        self._release()
        self._set_status(SourceState.FAILED, message)

    def _read(self) -> Frame | None:
        if self._cap is None or self._status.is_terminal:
            return None
        if self._pacer is not None:
            self._pacer.wait()
        ok, image = self._grab()
        if not ok and self.loop and self._frames_this_pass:
            self.passes += 1
            if self._open_capture():
                ok, image = self._grab()
        if ok:
            self._frames_this_pass += 1
            return self._emit(image)
        if self._frames_this_pass == 0 and self.passes == 0:
            self._fail(f"Video file {self.path} has no readable frames (corrupt or unsupported codec)")
        elif self._cap is not None:
            self._release()
            self._set_status(SourceState.ENDED, f"End of video file {self.path} ({self._next_index} frames)")
        return None

    def _grab(self) -> tuple[bool, Any]:
        assert self._cap is not None
        try:
            ok, image = self._cap.read()
        except cv2.error as exc:
            log.warning("decoding %s failed: %s", self.path, exc)
            return False, None
        return bool(ok and image is not None and image.size), image

    def _live_message(self) -> str:
        return f"Playing video file {self.path} at {self._fps:g} fps" + (" (looping)" if self.loop else "")

    def _release(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def _close(self) -> None:
        self._release()
        if self._pacer is not None:
            self._pacer.reset()
