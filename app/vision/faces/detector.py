"""Face detection with facenet-pytorch's MTCNN (weights ship in the wheel) on a downscaled frame.

Frames are BGR uint8 (the capture contract). Boxes and landmarks come back in full-frame pixels as
plain numpy arrays. Landmark order is MTCNN's, in IMAGE terms: 0 = the eye on the image's left,
1 = the eye on the image's right, 2 = nose tip, 3 = mouth corner on the image's left, 4 = on the right.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class FaceDetection:
    """One face: ``box`` (x1, y1, x2, y2) float32, ``landmarks`` (5, 2) float32, MTCNN ``score``."""

    box: np.ndarray
    landmarks: np.ndarray
    score: float

    @property
    def width(self) -> float:
        return float(self.box[2] - self.box[0])

    @property
    def height(self) -> float:
        return float(self.box[3] - self.box[1])

    @property
    def size(self) -> float:
        """The face's side length in pixels (geometric mean of the box sides)."""
        return math.sqrt(max(self.width, 0.0) * max(self.height, 0.0))

    @property
    def center(self) -> tuple[float, float]:
        return float(self.box[0] + self.box[2]) / 2, float(self.box[1] + self.box[3]) / 2

    @property
    def interocular(self) -> float:
        return float(np.linalg.norm(self.landmarks[1] - self.landmarks[0]))


def primary_face(faces: Sequence[FaceDetection], frame_shape: tuple[int, ...]) -> FaceDetection | None:
    """The customer's face: the largest, discounted by distance from the frame centre.

    Score = size * (1 - 0.5 * d), where d is the centre distance over the half-diagonal (0 centre,
    1 corner): a face in the corner must be twice as large as a central one to win.
    """
    if not faces:
        return None
    h, w = frame_shape[:2]
    half_diag = math.hypot(w, h) / 2

    def score(face: FaceDetection) -> float:
        cx, cy = face.center
        d = min(1.0, math.hypot(cx - w / 2, cy - h / 2) / half_diag)
        return face.size * (1.0 - 0.5 * d)

    return max(faces, key=score)


class MtcnnDetector:
    """MTCNN on a copy of the frame scaled so its longer side is at most ``max_side`` pixels.

    ``min_face_px`` is the smallest face MTCNN looks for, in downscaled pixels (smaller = slower);
    faces under ``min_score`` are dropped. Thread-safe: one detection at a time.
    """

    def __init__(self, *, max_side: int = 480, min_face_px: int = 32, min_score: float = 0.9,
                 device: str = "cpu") -> None:
        from facenet_pytorch import MTCNN  # imported here: torch is heavy

        self.max_side = max_side
        self.min_score = min_score
        self._mtcnn: Any = MTCNN(keep_all=True, min_face_size=min_face_px, device=device,
                                 select_largest=True)
        self._lock = threading.Lock()

    def detect_all(self, frame_bgr: np.ndarray) -> list[FaceDetection]:
        """Every face at or above ``min_score``, in full-frame coordinates."""
        if frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3 or frame_bgr.dtype != np.uint8:
            raise ValueError("expected a BGR uint8 image of shape (H, W, 3)")
        h, w = frame_bgr.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        small = frame_bgr if scale == 1.0 else cv2.resize(
            frame_bgr, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        rgb = np.ascontiguousarray(small[:, :, ::-1])
        with self._lock:
            boxes, probs, points = self._mtcnn.detect(rgb, landmarks=True)
        if boxes is None:
            return []
        sx, sy = w / small.shape[1], h / small.shape[0]
        factor = np.array([sx, sy], dtype=np.float32)
        faces = []
        for box, prob, pts in zip(boxes, probs, points, strict=True):
            if prob is None or float(prob) < self.min_score:
                continue
            box = np.asarray(box, dtype=np.float32).reshape(2, 2) * factor
            pts = np.asarray(pts, dtype=np.float32).reshape(5, 2) * factor
            faces.append(FaceDetection(box=box.reshape(4), landmarks=pts, score=float(prob)))
        return faces

    def detect(self, frame_bgr: np.ndarray) -> FaceDetection | None:
        """The customer's face (see :func:`primary_face`), or None."""
        return primary_face(self.detect_all(frame_bgr), frame_bgr.shape)
