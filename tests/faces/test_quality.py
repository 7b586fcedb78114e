"""Quality checks on real photos made too small, blurred, dark; no face; turned; cut off."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from app.vision.faces.detector import FaceDetection, primary_face
from app.vision.faces.pose import PoseAngles, estimate_pose
from app.vision.faces.quality import MESSAGES, QualityReason, assess_quality


def _assess(detector, image):
    face = detector.detect(image)
    angles = estimate_pose(face.landmarks) if face is not None else None
    return assess_quality(image, face, angles)


def test_a_good_photo_passes(face_detector, load_face):
    verdict = _assess(face_detector, load_face("obama/1.jpg"))
    assert verdict.ok and verdict.reason is QualityReason.OK
    assert verdict.metrics["sharpness"] > 100 and 50 < verdict.metrics["brightness"] < 210


def test_tiny_face_is_rejected_as_too_small(face_detector, load_face):
    image = load_face("obama/4.jpg")  # 320 x 240, face about 130 px
    small = cv2.resize(image, None, fx=0.45, fy=0.45, interpolation=cv2.INTER_AREA)
    frame = np.full((360, 480, 3), 100, np.uint8)
    frame[100:100 + small.shape[0], 150:150 + small.shape[1]] = small
    verdict = _assess(face_detector, frame)
    assert verdict.reason is QualityReason.TOO_SMALL, verdict
    assert not verdict.ok and "closer" in verdict.message


def test_blurred_face_is_rejected(face_detector, load_face):
    image = load_face("obama/1.jpg")
    face = face_detector.detect(image)
    k = int(face.size * 0.06) * 2 + 1
    verdict = _assess(face_detector, cv2.GaussianBlur(image, (k, k), 0))
    assert verdict.reason is QualityReason.BLURRED, verdict


def test_dark_image_is_rejected(face_detector, load_face):
    dark = (load_face("obama/1.jpg").astype(np.float32) * 0.15).astype(np.uint8)
    verdict = _assess(face_detector, dark)
    assert verdict.reason is QualityReason.TOO_DARK, verdict


def test_bright_image_is_rejected(face_detector, load_face):
    image = load_face("obama/1.jpg").astype(np.float32)
    verdict = _assess(face_detector, np.clip(image * 0.4 + 180, 0, 255).astype(np.uint8))  # washed out
    assert verdict.reason is QualityReason.TOO_BRIGHT, verdict


def test_no_face(face_detector):
    rng = np.random.default_rng(3)
    noise = cv2.GaussianBlur(rng.integers(0, 255, (360, 480, 3), dtype=np.uint8), (5, 5), 0)
    verdict = _assess(face_detector, noise)
    assert verdict.reason is QualityReason.NO_FACE and verdict.message == MESSAGES[QualityReason.NO_FACE]


def _synthetic_face(box: tuple[float, float, float, float]) -> FaceDetection:
    landmarks = np.array([[130, 140], [170, 140], [150, 160], [135, 180], [165, 180]], np.float32)
    return FaceDetection(np.array(box, np.float32), landmarks, 0.99)


def test_turned_too_far_and_cut_off():
    frame = np.full((300, 300, 3), 128, np.uint8)
    face = _synthetic_face((100, 100, 200, 220))
    turned = assess_quality(frame, face, PoseAngles(yaw=60, pitch=0, roll=0))
    assert turned.reason is QualityReason.TURNED_AWAY
    cut = assess_quality(frame, _synthetic_face((220, 100, 340, 220)), PoseAngles(0, 0, 0))
    assert cut.reason is QualityReason.CUT_OFF


def _square(cx: float, cy: float, size: float) -> FaceDetection:
    box = np.array([cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2], np.float32)
    return FaceDetection(box, np.zeros((5, 2), np.float32), 0.99)


@pytest.mark.parametrize(("corner_size", "corner_wins"), [(150, False), (250, True)])
def test_primary_face_prefers_large_and_central(corner_size, corner_wins):
    central = _square(320, 240, 100)
    corner = _square(60, 60, corner_size)  # 0.79 half-diagonals off centre: counts 60% of its size
    chosen = primary_face([central, corner], (480, 640, 3))
    assert chosen is (corner if corner_wins else central)
    assert primary_face([], (480, 640, 3)) is None


def test_group_photo_picks_one_face(face_detector, load_face):
    image = load_face("group/two_people.jpg")
    faces = face_detector.detect_all(image)
    assert len(faces) == 2
    assert face_detector.detect(image) is primary_face(faces, image.shape)
