"""Pose estimation from five landmarks and the front/right/down/left labels."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.registration import FacePose
from app.vision.faces.pose import PoseAngles, classify_pose, estimate_pose, project_landmarks


@pytest.mark.parametrize(("yaw", "pitch", "roll"), [(0, 0, 0), (30, 0, 0), (-30, 0, 0), (0, 20, 0),
                                                    (0, -15, 0), (25, 10, 15), (-40, 5, -20), (10, 25, 5)])
def test_generated_landmarks_give_back_their_angles(yaw, pitch, roll):
    angles = estimate_pose(project_landmarks(yaw, pitch, roll, center=(400, 300), eye_distance=70))
    assert angles.yaw == pytest.approx(yaw, abs=2.0)
    assert angles.pitch == pytest.approx(pitch, abs=2.0)
    assert angles.roll == pytest.approx(roll, abs=0.5)


@pytest.mark.parametrize(("yaw", "pitch", "expected"), [
    (0, 0, FacePose.FRONT), (5, -6, FacePose.FRONT),
    (30, 0, FacePose.RIGHT), (35, 8, FacePose.RIGHT),
    (-30, 0, FacePose.LEFT), (-28, -5, FacePose.LEFT),
    (0, 22, FacePose.DOWN), (8, 18, FacePose.DOWN),
    (16, 0, None), (0, -25, None), (30, 30, None),
])
def test_classification_of_generated_poses(yaw, pitch, expected):
    landmarks = project_landmarks(yaw, pitch, roll=12.0)  # roll never changes the label
    assert classify_pose(estimate_pose(landmarks)) == expected


def test_right_means_the_customers_right_and_mirroring_flips_it():
    # Raw camera frame: the customer's right is on the image's left, so turning right moves the
    # nose towards the image's left.
    raw = project_landmarks(yaw=30)
    assert raw[2, 0] < (raw[0, 0] + raw[1, 0]) / 2
    assert classify_pose(estimate_pose(raw)) is FacePose.RIGHT
    assert classify_pose(estimate_pose(raw, mirrored=True)) is FacePose.LEFT
    mirrored = project_landmarks(yaw=30, mirrored=True)
    assert classify_pose(estimate_pose(mirrored, mirrored=True)) is FacePose.RIGHT


def test_baseline_absorbs_a_camera_above_the_screen():
    baseline = PoseAngles(yaw=0.0, pitch=14.0, roll=0.0)  # the customer's own "front" looks pitched
    frontal = estimate_pose(project_landmarks(0, 14))
    assert classify_pose(frontal) is FacePose.DOWN
    assert classify_pose(frontal, baseline=baseline) is FacePose.FRONT
    assert classify_pose(estimate_pose(project_landmarks(0, 30)), baseline=baseline) is FacePose.DOWN


def test_flat_picture_tilted_sideways_shows_no_yaw():
    """A photo rotated about its vertical axis is foreshortened, but has no nose parallax."""
    front = project_landmarks(0, 0)
    centre = front.mean(axis=0)
    for squeeze in (0.9, 0.7, 0.5):
        tilted = (front - centre) * np.array([squeeze, 1.0]) + centre
        assert abs(estimate_pose(tilted).yaw) < 3


def test_implausible_landmarks_are_refused():
    upside_down = project_landmarks() * np.array([1, -1])
    with pytest.raises(ValueError):
        estimate_pose(upside_down)


@pytest.mark.parametrize("name", ["obama/1.jpg", "obama/4.jpg", "biden/2.jpg", "paul_rudd/1.jpg",
                                  "rose_leslie/2.jpg", "shea_whigham/1.jpg"])
def test_real_frontal_photos_are_front(name, face_detector, load_face):
    face = face_detector.detect(load_face(name))
    assert face is not None
    assert classify_pose(estimate_pose(face.landmarks)) is FacePose.FRONT


def test_real_turned_photos_follow_the_convention(face_detector, load_face):
    # kit_harington/2: he looks towards the image's left, i.e. to his own right (a raw photo).
    kit = estimate_pose(face_detector.detect(load_face("kit_harington/2.jpg")).landmarks)
    assert kit.yaw > 20 and classify_pose(kit) is FacePose.RIGHT
    # angelina_jolie/1: she looks towards the image's right, i.e. to her own left.
    jolie = estimate_pose(face_detector.detect(load_face("angelina_jolie/1.jpg")).landmarks)
    assert jolie.yaw < -15
