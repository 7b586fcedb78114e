"""A folder of still images as a frame source (demo scenes, evaluation sets, tests)."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import cv2
import numpy as np

from app.capture.base import Clock, Frame, FrameSource, Pacer, Sleep, SourceState, SourceUnavailable

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp"})


def natural_key(name: str) -> list[int | str]:
    """Sort key that puts img2 before img10 (case-insensitive)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name.casefold())]


def list_images(folder: Path) -> list[Path]:
    """Image files directly in ``folder``, in natural order."""
    files = [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()]
    return sorted(files, key=lambda p: natural_key(p.name))


def load_image(path: Path) -> np.ndarray | None:
    """Decode an image as BGR uint8, or None if it cannot be read (works with non-ASCII paths)."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        log.warning("Cannot read image %s: %s", path, exc)
        return None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        log.warning("Skipping %s: not a readable image", path)
    return image


class ImageFolderSource(FrameSource):
    """The images of a folder one after another (*.jpg, *.jpeg, *.png, *.bmp, natural order).

    Unreadable images are skipped with a warning; a folder with no (readable) images gives FAILED.
    ``fps`` is the rate of images when ``realtime`` (``read()`` sleeps until each is due).
    """

    def __init__(self, path: str | Path, fps: float = 2.0, loop: bool = True, realtime: bool = False, *,
                 clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        self.path = Path(path).expanduser()
        if not self.path.is_dir():
            raise SourceUnavailable(f"Image folder not found: {self.path}")
        if fps <= 0:
            raise SourceUnavailable(f"Image folder {self.path}: fps must be positive, not {fps}")
        super().__init__(f"Images {self.path.name}", clock=clock)
        self.fps, self.loop, self.realtime = float(fps), loop, realtime
        self._sleep = sleep
        self._files: list[Path] = []
        self._bad: set[Path] = set()
        self._position = 0
        self._shown = 0
        self._pacer: Pacer | None = None

    @property
    def nominal_fps(self) -> float:
        return self.fps

    @property
    def files(self) -> list[Path]:
        """The images found when the source was opened, in playing order."""
        return list(self._files)

    def _open(self) -> None:
        try:
            self._files = list_images(self.path)
        except OSError as exc:
            self._set_status(SourceState.FAILED, f"Cannot list image folder {self.path}: {exc}")
            return
        self._bad.clear()
        self._position = self._shown = 0
        self._pacer = Pacer(self.fps, self._clock, self._sleep) if self.realtime else None
        if not self._files:
            kinds = ", ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES))
            self._set_status(SourceState.FAILED, f"No images ({kinds}) in folder {self.path}")

    def _read(self) -> Frame | None:
        if self._status.is_terminal or not self._files:
            return None
        if self._pacer is not None:
            self._pacer.wait()
        while len(self._bad) < len(self._files):
            if self._position >= len(self._files):
                if not self.loop and self._shown:
                    message = f"End of image folder {self.path} ({self._shown} shown)"
                    self._set_status(SourceState.ENDED, message)
                    return None
                if not self.loop:
                    break
                self._position = 0
            path = self._files[self._position]
            self._position += 1
            if path in self._bad:
                continue
            image = load_image(path)
            if image is not None:
                self._shown += 1
                return self._emit(image)
            self._bad.add(path)
        self._set_status(SourceState.FAILED,
                         f"None of the {len(self._files)} images in folder {self.path} could be read")
        return None

    def _resolution_changed(self, old: tuple[int, int], new: tuple[int, int]) -> None:
        pass  # photos of different sizes are normal in a folder

    def _live_message(self) -> str:
        return f"Showing {len(self._files)} images from {self.path} at {self.fps:g} per second"

    def _close(self) -> None:
        self._files = []
