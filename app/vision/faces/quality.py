"""Is this face good enough to embed? Size, framing, pose, brightness and sharpness checks.

The verdict carries a machine ``reason`` (for the UI to translate with ``tr()``) and an English
``message`` for the log. Sharpness is the variance of the Laplacian of the face crop resized to
112 x 112 grey, so it does not depend on the camera resolution; brightness is the crop's mean grey.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import cv2
import numpy as np

from app.vision.faces.detector import FaceDetection
from app.vision.faces.pose import PoseAngles

CROP_SIDE = 112


class QualityReason(enum.StrEnum):
    OK = "ok"
    NO_FACE = "no_face"
    TOO_SMALL = "too_small"
    CUT_OFF = "cut_off"
    TURNED_AWAY = "turned_away"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    BLURRED = "blurred"


MESSAGES = {
    QualityReason.OK: "Face is good.",
    QualityReason.NO_FACE: "No face found. Please look at the camera.",
    QualityReason.TOO_SMALL: "Face too small. Please come closer.",
    QualityReason.CUT_OFF: "Face not fully in view. Please move to the centre.",
    QualityReason.TURNED_AWAY: "Head turned too far. Please face the camera more.",
    QualityReason.TOO_DARK: "Too dark. Please move into the light.",
    QualityReason.TOO_BRIGHT: "Too bright. Please move out of the glare.",
    QualityReason.BLURRED: "Image blurred. Please hold still.",
}


@dataclass(frozen=True)
class QualityLimits:
    """Thresholds; the defaults suit a face camera at arm's length (see tests/faces/test_quality.py)."""

    min_face_px: float = 80.0  # face side in full-frame pixels
    max_outside: float = 0.15  # fraction of the box allowed outside the frame
    max_yaw: float = 45.0
    max_pitch: float = 35.0
    max_roll: float = 30.0
    min_brightness: float = 50.0
    max_brightness: float = 210.0
    min_sharpness: float = 60.0  # press photos 220-1900; GaussianBlur sigma ~4% of the face: 16-66


@dataclass(frozen=True)
class QualityVerdict:
    ok: bool
    reason: QualityReason
    message: str
    metrics: dict[str, float] = field(default_factory=dict)


def _verdict(reason: QualityReason, metrics: dict[str, float]) -> QualityVerdict:
    return QualityVerdict(reason is QualityReason.OK, reason, MESSAGES[reason], metrics)


def face_crop_grey(frame_bgr: np.ndarray, face: FaceDetection, side: int = CROP_SIDE) -> np.ndarray:
    """The face box (clipped to the frame) as a ``side`` x ``side`` grey image."""
    h, w = frame_bgr.shape[:2]
    x1, y1, x2, y2 = (round(float(v)) for v in face.box)
    x1, y1, x2, y2 = max(0, x1), max(0, y1), min(w, x2), min(h, y2)
    if x2 - x1 < 2 or y2 - y1 < 2:
        return np.zeros((side, side), np.uint8)
    crop = frame_bgr[y1:y2, x1:x2]
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    return cv2.resize(grey, (side, side), interpolation=cv2.INTER_AREA)


def sharpness(grey: np.ndarray) -> float:
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def _outside_fraction(face: FaceDetection, shape: tuple[int, ...]) -> float:
    h, w = shape[:2]
    x1, y1, x2, y2 = (float(v) for v in face.box)
    area = max(x2 - x1, 1e-6) * max(y2 - y1, 1e-6)
    inside = max(0.0, min(x2, w) - max(x1, 0.0)) * max(0.0, min(y2, h) - max(y1, 0.0))
    return 1.0 - inside / area


def assess_quality(frame_bgr: np.ndarray, face: FaceDetection | None, angles: PoseAngles | None = None,
                   limits: QualityLimits | None = None) -> QualityVerdict:
    """The first failing check in the order: face, size, framing, pose, light, sharpness."""
    lim = limits or QualityLimits()
    if face is None:
        return _verdict(QualityReason.NO_FACE, {})
    metrics: dict[str, float] = {"face_px": face.size, "score": face.score}
    if face.size < lim.min_face_px:
        return _verdict(QualityReason.TOO_SMALL, metrics)
    metrics["outside"] = _outside_fraction(face, frame_bgr.shape)
    if metrics["outside"] > lim.max_outside:
        return _verdict(QualityReason.CUT_OFF, metrics)
    if angles is not None:
        metrics.update(yaw=angles.yaw, pitch=angles.pitch, roll=angles.roll)
        turned = (abs(angles.yaw) > lim.max_yaw, abs(angles.pitch) > lim.max_pitch,
                  abs(angles.roll) > lim.max_roll)
        if any(turned):
            return _verdict(QualityReason.TURNED_AWAY, metrics)
    grey = face_crop_grey(frame_bgr, face)
    metrics["brightness"] = float(grey.mean())
    if metrics["brightness"] < lim.min_brightness:
        return _verdict(QualityReason.TOO_DARK, metrics)
    if metrics["brightness"] > lim.max_brightness:
        return _verdict(QualityReason.TOO_BRIGHT, metrics)
    metrics["sharpness"] = sharpness(grey)
    if metrics["sharpness"] < lim.min_sharpness:
        return _verdict(QualityReason.BLURRED, metrics)
    return _verdict(QualityReason.OK, metrics)
