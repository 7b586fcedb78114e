"""The head-turn liveness challenge: stills and frozen frames fail, a real turn passes."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from app.core.registration import FacePose
from app.vision.faces.liveness import LivenessChallenge, LivenessConfig, LivenessReason, LivenessState
from app.vision.faces.pose import estimate_pose, project_landmarks

FPS = 15


def turning_head(side: FacePose, *, peak: float = 35.0, seed: int = 0) -> list[np.ndarray]:
    """Generated landmarks of a head that looks ahead, turns to ``side`` (the customer's own), holds,
    and comes back; with landmark noise and a slow drift, as a webcam would show."""
    rng = np.random.default_rng(seed)
    sign = 1.0 if side is FacePose.RIGHT else -1.0
    yaws = np.concatenate([np.zeros(8), np.linspace(0, peak, 10), np.full(5, peak), np.linspace(peak, 0, 10),
                           np.zeros(5)]) * sign
    frames = []
    for i, yaw in enumerate(yaws):
        pts = project_landmarks(yaw, pitch=2.0, roll=1.0, center=(320 + i * 0.5, 240), eye_distance=64)
        frames.append(pts + rng.normal(0, 0.4, pts.shape))
    return frames


def run(challenge: LivenessChallenge, frames: list[np.ndarray | None], fps: float = FPS):
    status = None
    for i, pts in enumerate(frames):
        status = challenge.update(pts, i / fps)
        if status.done:
            break
    return status


@pytest.mark.parametrize("side", [FacePose.RIGHT, FacePose.LEFT])
def test_generated_turn_to_the_requested_side_passes(side):
    challenge = LivenessChallenge(side=side)
    status = run(challenge, turning_head(side))
    assert status.passed and status.reason is LivenessReason.OK, status
    assert max(abs(y) for y in challenge.yaws) > 30


def test_turning_to_the_wrong_side_fails():
    challenge = LivenessChallenge(side=FacePose.LEFT)
    status = run(challenge, turning_head(FacePose.RIGHT))
    assert status.state is LivenessState.FAILED and status.reason is LivenessReason.WRONG_SIDE


def test_no_return_to_the_front_times_out_unless_not_required():
    frames = turning_head(FacePose.RIGHT)[:23]  # turned and holding
    hold = frames + [frames[-1] + np.random.default_rng(i).normal(0, 0.4, (5, 2)) for i in range(100)]
    status = run(LivenessChallenge(side=FacePose.RIGHT), hold)
    assert status.reason is LivenessReason.TIMEOUT
    quick = LivenessChallenge(LivenessConfig(require_return=False), side=FacePose.RIGHT)
    assert run(quick, frames).passed


def test_timeout_when_the_customer_never_turns():
    rng = np.random.default_rng(5)
    still = [project_landmarks(0, 0) + rng.normal(0, 0.5, (5, 2)) for _ in range(120)]
    status = run(LivenessChallenge(side=FacePose.RIGHT), still)
    assert status.state is LivenessState.FAILED and status.reason is LivenessReason.TIMEOUT
    assert "time" in status.message


def test_static_real_photo_repeated_fails_as_frozen(face_detector, load_face):
    face = face_detector.detect(load_face("obama/1.jpg"))
    status = run(LivenessChallenge(side=FacePose.LEFT), [face.landmarks] * 60)
    assert status.state is LivenessState.FAILED and status.reason is LivenessReason.FROZEN


def _moved_photo(image: np.ndarray, i: int) -> np.ndarray:
    """The same photo held up and moved: shifted, rotated, scaled, or tilted about its vertical axis."""
    h, w = image.shape[:2]
    if i == 4:  # the paper turned about 40 degrees: foreshortened, the far edge smaller
        src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        dst = np.float32([[0, 0], [0.75 * w, 0.08 * h], [0.75 * w, 0.92 * h], [0, h]])
        homography = cv2.getPerspectiveTransform(src, dst)
        return cv2.warpPerspective(image, homography, (w, h), borderValue=(90, 90, 90))
    angle, scale, dx, dy = [(0, 1, 0, 0), (4, 1.03, 12, -6), (-5, 0.96, -10, 8), (2, 1.06, 20, 10)][i]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    m[:, 2] += (dx, dy)
    return cv2.warpAffine(image, m, (w, h), borderValue=(90, 90, 90))


def test_jittered_still_photo_fails(face_detector, load_face):
    image = load_face("obama/1.jpg")
    landmarks = [face_detector.detect(_moved_photo(image, i)).landmarks for i in range(5)]
    yaws = [estimate_pose(pts).yaw for pts in landmarks]
    assert max(abs(y) for y in yaws) < 10, yaws  # moving or tilting a photo shows no head turn
    frames = [landmarks[i % 5] for i in range(120)]
    challenge = LivenessChallenge(side=FacePose.RIGHT)
    status = run(challenge, frames)
    assert status.state is LivenessState.FAILED and status.reason is LivenessReason.TIMEOUT
    assert challenge.max_motion > 0.01  # it did move: the turn is what was missing


def test_swapping_a_front_photo_for_a_side_photo_fails_as_a_jump():
    frames = [project_landmarks(0, 0) + np.random.default_rng(i).normal(0, 0.4, (5, 2)) for i in range(10)]
    frames += [project_landmarks(40, 0)] * 3
    status = run(LivenessChallenge(side=FacePose.RIGHT), frames)
    assert status.reason is LivenessReason.JUMP


def test_losing_the_face_mid_turn_fails():
    frames: list[np.ndarray | None] = list(turning_head(FacePose.LEFT)[:14]) + [None] * 12
    status = run(LivenessChallenge(side=FacePose.LEFT), frames)
    assert status.reason is LivenessReason.FACE_LOST


def test_side_comes_from_the_injected_rng_and_mirroring_is_honoured():
    sides = {LivenessChallenge(rng=random.Random(seed)).side for seed in range(20)}
    assert sides == {FacePose.LEFT, FacePose.RIGHT}
    assert LivenessChallenge(rng=random.Random(3)).side == LivenessChallenge(rng=random.Random(3)).side
    with pytest.raises(ValueError):
        LivenessChallenge(side=FacePose.DOWN)
    # In a mirrored frame the same head turn shows the other way round.
    # Mirroring the image swaps which eye (and mouth corner) is on the image's left.
    swap = [1, 0, 2, 4, 3]
    mirrored = [(pts * np.array([-1, 1]) + np.array([640, 0]))[swap] for pts in turning_head(FacePose.RIGHT)]
    assert run(LivenessChallenge(side=FacePose.RIGHT, mirrored=True), mirrored).passed
    assert run(LivenessChallenge(side=FacePose.RIGHT), mirrored).reason is LivenessReason.WRONG_SIDE


def test_finished_challenge_stays_finished():
    challenge = LivenessChallenge(side=FacePose.RIGHT)
    assert run(challenge, turning_head(FacePose.RIGHT)).passed
    assert challenge.update(project_landmarks(-40), 99.0).passed
