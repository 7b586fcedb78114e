"""Head pose (yaw, pitch, roll in degrees) from the five MTCNN landmarks, and the pose label.

Conventions (all angles in degrees):
- ``yaw > 0``: the customer has turned to THEIR right; ``yaw < 0``: to their left.
- ``pitch > 0``: the customer looks down; ``pitch < 0``: up.
- ``roll``: angle of the line from the image-left eye to the image-right eye, clockwise on screen.
- Frames are the camera's raw image (NOT mirrored) unless ``mirrored=True``. In a raw image the
  customer's right side is on the image's left, so turning to their right moves the nose tip towards
  the image's left. A selfie-style (mirrored) preview is for display only; if frames themselves are
  mirrored, pass ``mirrored=True``.

Model: the eyes and mouth corners lie roughly in one plane and the nose tip sits ``NOSE_DEPTH``
interocular distances in front of it. Under (near-orthographic) projection the nose's sideways offset
from the eye-mouth midline over the eye distance is ``NOSE_DEPTH * tan(yaw)``, and its height between
the eyes and the mouth moves by ``NOSE_DEPTH * tan(pitch) / EYE_TO_MOUTH``. :func:`project_landmarks`
renders this model for tests and generated motion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.core.registration import FacePose

NOSE_DEPTH = 0.55  # nose tip in front of the eye/mouth plane, in interocular distances
EYE_TO_MOUTH = 1.08  # frontal vertical eye-line to mouth-line distance, interocular units
NOSE_HEIGHT = 0.55  # frontal nose height between eye line (0) and mouth line (1)
# Frontal 3-D model (x to the image right, y down, z towards the camera), interocular units.
MODEL_3D = np.array([[-0.5, 0.0, 0.0], [0.5, 0.0, 0.0], [0.0, NOSE_HEIGHT * EYE_TO_MOUTH, NOSE_DEPTH],
                     [-0.45, EYE_TO_MOUTH, 0.0], [0.45, EYE_TO_MOUTH, 0.0]], dtype=np.float64)


@dataclass(frozen=True)
class PoseAngles:
    yaw: float
    pitch: float
    roll: float


@dataclass(frozen=True)
class PoseLimits:
    """Thresholds of :func:`classify_pose` in degrees."""

    front_max_yaw: float = 12.0
    front_max_pitch: float = 12.0
    turn_min_yaw: float = 20.0  # RIGHT/LEFT need at least this much yaw ...
    turn_max_pitch: float = 20.0  # ... with the head not tilted far up or down
    down_min_pitch: float = 12.0  # DOWN needs this much pitch ...
    down_max_yaw: float = 15.0  # ... while still facing the camera sideways


def estimate_pose(landmarks: np.ndarray, *, mirrored: bool = False) -> PoseAngles:
    """Yaw, pitch and roll from the 5 landmarks (MTCNN order, image coordinates)."""
    pts = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    eye_l, eye_r = pts[0], pts[1]
    roll = math.degrees(math.atan2(eye_r[1] - eye_l[1], eye_r[0] - eye_l[0]))
    # Undo the roll around the eye midpoint so the eye line is horizontal.
    c, s = math.cos(math.radians(-roll)), math.sin(math.radians(-roll))
    rot = np.array([[c, -s], [s, c]])
    eye_mid = (eye_l + eye_r) / 2
    p = (pts - eye_mid) @ rot.T
    eye_dist = max(p[1, 0] - p[0, 0], 1e-6)
    mouth_mid = (p[3] + p[4]) / 2
    nose = p[2]
    if mouth_mid[1] <= 1e-6:
        raise ValueError("implausible landmarks: the mouth is not below the eyes")
    t = nose[1] / mouth_mid[1]  # 0 at the eye line, 1 at the mouth line
    midline_x = t * mouth_mid[0]
    offset = (nose[0] - midline_x) / eye_dist
    yaw = math.degrees(math.atan2(-offset, NOSE_DEPTH))
    # Seen eye-to-mouth distance (interocular units): the eye distance shrinks with cos(yaw), the
    # eye-to-mouth distance with cos(pitch); one fixed-point step undoes the latter.
    eye_to_mouth = mouth_mid[1] / eye_dist * math.cos(math.radians(yaw))
    pitch = math.atan2((t - NOSE_HEIGHT) * eye_to_mouth, NOSE_DEPTH)
    pitch = math.degrees(math.atan2((t - NOSE_HEIGHT) * eye_to_mouth / math.cos(pitch), NOSE_DEPTH))
    return PoseAngles(yaw=-yaw if mirrored else yaw, pitch=pitch, roll=roll)


def classify_pose(angles: PoseAngles, *, baseline: PoseAngles | None = None,
                  limits: PoseLimits | None = None) -> FacePose | None:
    """FRONT / RIGHT / DOWN / LEFT, or None in between.

    ``baseline`` (the customer's own frontal pose, e.g. the FRONT capture of registration) is
    subtracted from yaw and pitch first, which absorbs a camera mounted above or beside the screen.
    """
    lim = limits or PoseLimits()
    yaw, pitch = angles.yaw, angles.pitch
    if baseline is not None:
        yaw, pitch = yaw - baseline.yaw, pitch - baseline.pitch
    if abs(yaw) <= lim.front_max_yaw and abs(pitch) <= lim.front_max_pitch:
        return FacePose.FRONT
    if abs(yaw) >= lim.turn_min_yaw and abs(pitch) <= lim.turn_max_pitch:
        return FacePose.RIGHT if yaw > 0 else FacePose.LEFT
    if pitch >= lim.down_min_pitch and abs(yaw) <= lim.down_max_yaw:
        return FacePose.DOWN
    return None


def project_landmarks(yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0, *,
                      center: tuple[float, float] = (320.0, 240.0), eye_distance: float = 60.0,
                      mirrored: bool = False) -> np.ndarray:
    """Five landmarks (MTCNN order) of the model head at the given pose, orthographic projection.

    For tests, generated liveness motion and demo mode. Same conventions as :func:`estimate_pose`.
    """
    if mirrored:
        yaw = -yaw
    a, b, g = (math.radians(v) for v in (yaw, pitch, roll))
    # Turning to the customer's right moves +z (the nose) towards -x (the image's left) in a raw frame.
    ry = np.array([[math.cos(a), 0, -math.sin(a)], [0, 1, 0], [math.sin(a), 0, math.cos(a)]])
    # Looking down moves the nose (+z) towards +y (down the image).
    rx = np.array([[1, 0, 0], [0, math.cos(b), math.sin(b)], [0, -math.sin(b), math.cos(b)]])
    model = MODEL_3D - np.array([0.0, EYE_TO_MOUTH / 2, 0.0])
    pts3 = model @ (ry @ rx).T
    pts = pts3[:, :2]
    rz = np.array([[math.cos(g), -math.sin(g)], [math.sin(g), math.cos(g)]])
    pts = pts @ rz.T
    return (pts * eye_distance + np.asarray(center)).astype(np.float32)
