"""Alignment: the similarity transform, the chip templates, and the chips on real faces."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from app.vision.faces.align import (
    DLIB_CHIP,
    FACENET_CHIP,
    align_face,
    alignment_matrix,
    transform_points,
    umeyama,
)


def _similar(points: np.ndarray, angle_deg: float, scale: float, shift: tuple[float, float]) -> np.ndarray:
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return points @ (scale * rot).T + np.asarray(shift)


@pytest.mark.parametrize("spec", [DLIB_CHIP, FACENET_CHIP], ids=lambda s: s.name)
@pytest.mark.parametrize(("angle", "scale", "shift"), [(0, 1, (0, 0)), (25, 2.5, (300, 120)),
                                                       (-40, 0.6, (-20, 500)), (170, 4.0, (640, 360))])
def test_rotated_scaled_landmarks_map_back_onto_the_template(spec, angle, scale, shift):
    rng = np.random.default_rng(7)
    landmarks = _similar(spec.template.astype(np.float64), angle, scale, shift)
    matrix = alignment_matrix(landmarks, spec)
    assert np.abs(transform_points(matrix, landmarks) - spec.template).max() < 1.0
    # Landmark noise of half a pixel in the frame stays within a pixel in the chip.
    noisy = landmarks + rng.normal(0, 0.5, landmarks.shape)
    assert np.abs(transform_points(alignment_matrix(noisy, spec), noisy) - spec.template).max() < 1.0


def test_umeyama_recovers_the_exact_transform_and_keeps_it_a_similarity():
    src = np.array([[0, 0], [10, 0], [5, 8], [1, 12], [9, 12]], dtype=float)
    dst = _similar(src, 33, 1.7, (4, -2))
    m = umeyama(src, dst)
    a, b = m[0, 0], m[1, 0]
    assert m[0, 1] == pytest.approx(-b) and m[1, 1] == pytest.approx(a)  # no shear, no reflection
    assert math.hypot(a, b) == pytest.approx(1.7)
    assert math.degrees(math.atan2(b, a)) == pytest.approx(33)
    with pytest.raises(ValueError):
        umeyama(np.zeros((5, 2)), dst)


def test_templates_are_symmetric_and_inside_the_chip():
    for spec in (DLIB_CHIP, FACENET_CHIP):
        t = spec.template
        centre = spec.size / 2
        assert (t > 0).all() and (t < spec.size).all()
        assert t[0, 1] == t[1, 1] and t[3, 1] == t[4, 1]
        assert (t[0, 0] + t[1, 0]) / 2 == pytest.approx((t[3, 0] + t[4, 0]) / 2, abs=0.1)
        assert abs((t[0, 0] + t[1, 0]) / 2 - centre) < 2


def test_align_face_produces_a_chip_of_the_right_size():
    frame = np.full((480, 640, 3), 128, np.uint8)
    landmarks = _similar(DLIB_CHIP.template.astype(np.float64), 10, 2.0, (200, 100))
    assert align_face(frame, landmarks, DLIB_CHIP).shape == (150, 150, 3)
    assert align_face(frame, landmarks, FACENET_CHIP).shape == (160, 160, 3)


def test_real_photo_aligned_has_the_eyes_at_the_template_positions(face_detector, load_face):
    image = load_face("biden/1.jpg")  # a tilted head (roll about 13 degrees)
    face = face_detector.detect(image)
    assert face is not None and abs(face.landmarks[0, 1] - face.landmarks[1, 1]) > 5  # the eyes are not level
    for spec in (DLIB_CHIP, FACENET_CHIP):
        mapped = transform_points(alignment_matrix(face.landmarks, spec), face.landmarks)
        assert np.abs(mapped[:2] - spec.template[:2]).max() < 3.0, spec.name
    # Independent check: MTCNN run again on the aligned chip alone finds the eyes where the template
    # puts them (the dlib chip shows the whole face; on a grey canvas, doubled so MTCNN sees it well).
    chip = align_face(image, face.landmarks, DLIB_CHIP)
    size = DLIB_CHIP.size
    canvas = np.full((size * 3, size * 3, 3), 120, np.uint8)
    canvas[size:2 * size, size:2 * size] = chip
    again = face_detector.detect(cv2.resize(canvas, None, fx=2, fy=2))
    assert again is not None
    eyes = again.landmarks[:2] / 2 - size
    assert np.abs(eyes - DLIB_CHIP.template[:2]).max() < 4.0, eyes
    assert abs(eyes[0, 1] - eyes[1, 1]) < 2.5  # level after alignment


def test_dlib_chip_matches_dlibs_own_alignment(face_detector, dlib_embedder, load_face):
    """The 150 px template reproduces dlib.get_face_chip: the embeddings agree (cosine > 0.98)."""
    import dlib
    import face_recognition_models

    predictor = dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())
    for name in ("obama/1.jpg", "rose_leslie/2.jpg"):
        image = load_face(name)
        face = face_detector.detect(image)
        ours = dlib_embedder.embed([align_face(image, face.landmarks, DLIB_CHIP)])[0]
        rgb = np.ascontiguousarray(image[:, :, ::-1])
        shape = predictor(rgb, dlib.rectangle(*(int(v) for v in face.box)))
        native = np.ascontiguousarray(dlib.get_face_chip(rgb, shape, size=150, padding=0.25)[:, :, ::-1])
        theirs = dlib_embedder.embed([native])[0]
        assert float(ours @ theirs) > 0.98, name
