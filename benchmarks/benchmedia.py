"""Videos the kiosk benchmark and the soak run feed to the cameras (written to a temporary folder).

- :func:`retime_video`: the demo counter video at a multiple of its frame rate (each frame repeated),
  so frame i of the original is frames ``factor*i`` .. ``factor*i + factor-1`` of the new one;
- :func:`make_face_video`: a face camera made of one photo that moves and scales a little per frame
  (a loop without a jump: the motion is periodic over the video's length).

Both are Motion-JPEG (what a UVC webcam sends), quality 95, so the detector sees nearly the original
pixels and decoding costs about what a webcam's frames cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

FOURCC = "MJPG"
QUALITY = 95
BACKGROUND = 90  # grey around the photo


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    frames: int
    fps: float
    width: int
    height: int


def _writer(path: Path, fps: float, size: tuple[int, int]) -> cv2.VideoWriter:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*FOURCC), fps, size)
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {FOURCC} video to {path}")
    writer.set(cv2.VIDEOWRITER_PROP_QUALITY, QUALITY)
    return writer


def retime_video(src: str | Path, dst: str | Path, factor: int = 2) -> VideoInfo:
    """Write ``src`` at ``factor`` times its frame rate, every frame repeated ``factor`` times."""
    capture = cv2.VideoCapture(str(src))
    if not capture.isOpened():
        raise RuntimeError(f"cannot read video {src}")
    fps = capture.get(cv2.CAP_PROP_FPS) * factor
    writer, written, size = None, 0, (0, 0)
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            if writer is None:
                size = (frame.shape[1], frame.shape[0])
                writer = _writer(Path(dst), fps, size)
            for _ in range(factor):
                writer.write(frame)
                written += 1
    finally:
        capture.release()
        if writer is not None:
            writer.release()
    if not written:
        raise RuntimeError(f"no frames could be read from {src}")
    return VideoInfo(Path(dst), written, fps, *size)


def face_frame(photo: np.ndarray, i: int, n: int, size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    """Frame ``i`` of ``n``: ``photo`` filling about 80% of the frame height, drifting up to 4% of the
    frame sideways and 2% up and down and scaling by up to 4%, periodic over ``n`` frames."""
    width, height = size
    phase = 2 * math.pi * (i % n) / n
    scale = min(width / photo.shape[1], height / photo.shape[0]) * 0.8 * (1 + 0.04 * math.sin(phase))
    w, h = max(1, round(photo.shape[1] * scale)), max(1, round(photo.shape[0] * scale))
    resized = cv2.resize(photo, (w, h), interpolation=cv2.INTER_AREA)
    x = (width - w) // 2 + round(0.04 * width * math.sin(2 * phase))
    y = (height - h) // 2 + round(0.02 * height * math.cos(phase))
    frame = np.full((height, width, 3), BACKGROUND, np.uint8)
    fx0, fy0, fx1, fy1 = max(0, x), max(0, y), min(width, x + w), min(height, y + h)
    if fx1 > fx0 and fy1 > fy0:
        frame[fy0:fy1, fx0:fx1] = resized[fy0 - y:fy1 - y, fx0 - x:fx1 - x]
    return frame


def make_face_video(photo_path: str | Path, dst: str | Path, *, fps: float = 30.0, seconds: float = 10.0,
                    size: tuple[int, int] = (1280, 720)) -> VideoInfo:
    photo = cv2.imread(str(photo_path))
    if photo is None:
        raise RuntimeError(f"cannot read the face photo {photo_path}")
    n = max(1, round(fps * seconds))
    writer = _writer(Path(dst), fps, size)
    try:
        for i in range(n):
            writer.write(face_frame(photo, i, n, size))
    finally:
        writer.release()
    return VideoInfo(Path(dst), n, fps, *size)


def first_face_photo(faces_dir: str | Path) -> Path | None:
    """The first photo of the first person (by name; the ``group`` folder is not a person)."""
    folder = Path(faces_dir)
    if not folder.is_dir():
        return None
    for person in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != "group"):
        photos = sorted(p for p in person.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        if photos:
            return photos[0]
    return None


def frame_count(path: str | Path) -> int:
    """Frames OpenCV reports for a video file (exact for the AVI files written here)."""
    capture = cv2.VideoCapture(str(path))
    try:
        return int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        capture.release()
