"""The liveness challenge before face pay: turn the head to a randomly chosen side, then back.

Checked from the landmark trajectory over time (see ``pose.py`` for the conventions: the side is the
customer's own right or left, frames are raw camera frames unless ``mirrored``):

1. the face first looks at the camera (|yaw| <= ``front_max_yaw``);
2. then yaw goes past ``turn_min_yaw`` towards the requested side (the other side fails at once);
3. then (``require_return``) back to the front, all within ``window_s`` seconds.

A photo cannot pass: yaw is measured from the nose's parallax against the eye/mouth plane, which a flat
picture does not have however it is tilted. A frozen frame or replayed still fails on landmark motion
(``max_frozen_frames`` frames in a row moving less than ``frozen_eps`` eye distances), and a sudden
yaw jump between two frames (swapping photos) or losing the face mid-turn fails too. Time comes from
the caller (``now`` in seconds), the side from an injectable RNG, so everything is testable.
"""

from __future__ import annotations

import enum
import logging
import random
from dataclasses import dataclass

import numpy as np

from app.core.registration import FacePose
from app.vision.faces.pose import estimate_pose

log = logging.getLogger(__name__)


class LivenessState(enum.StrEnum):
    WAIT_FRONT = "wait_front"
    TURN = "turn"
    RETURN = "return"
    PASSED = "passed"
    FAILED = "failed"


class LivenessReason(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    OK = "ok"
    TIMEOUT = "timeout"
    WRONG_SIDE = "wrong_side"
    FROZEN = "frozen"
    NO_MOTION = "no_motion"
    JUMP = "jump"
    FACE_LOST = "face_lost"
    FACE_CHANGED = "face_changed"


@dataclass(frozen=True)
class LivenessConfig:
    window_s: float = 6.0
    front_max_yaw: float = 10.0
    turn_min_yaw: float = 20.0
    require_return: bool = True
    frozen_eps: float = 1e-3  # mean landmark motion per frame, in eye distances, counted as "no motion"
    max_frozen_frames: int = 8
    min_motion: float = 0.01  # the largest frame-to-frame motion seen must reach this to pass
    max_yaw_step: float = 25.0  # degrees between consecutive frames
    max_lost_s: float = 0.5  # face missing this long after the turn started fails


@dataclass(frozen=True)
class LivenessStatus:
    state: LivenessState
    reason: LivenessReason
    side: FacePose
    message: str
    yaw: float | None = None

    @property
    def done(self) -> bool:
        return self.state in (LivenessState.PASSED, LivenessState.FAILED)

    @property
    def passed(self) -> bool:
        return self.state is LivenessState.PASSED


_FAIL_MESSAGES = {
    LivenessReason.TIMEOUT: "The head turn was not seen in time.",
    LivenessReason.WRONG_SIDE: "Turned to the wrong side.",
    LivenessReason.FROZEN: "The picture does not move (a still image or a frozen camera).",
    LivenessReason.NO_MOTION: "No natural movement was seen.",
    LivenessReason.JUMP: "The face changed abruptly.",
    LivenessReason.FACE_LOST: "The face was lost during the head turn.",
    LivenessReason.FACE_CHANGED: "A different face appeared during the head turn.",
}


class LivenessChallenge:
    """One challenge. Feed every face frame to :meth:`update` until the status is ``done``."""

    def __init__(self, config: LivenessConfig | None = None, *, rng: random.Random | None = None,
                 side: FacePose | None = None, mirrored: bool = False) -> None:
        self.config = config or LivenessConfig()
        if side is None:
            side = (rng or random.SystemRandom()).choice((FacePose.LEFT, FacePose.RIGHT))
        if side not in (FacePose.LEFT, FacePose.RIGHT):
            raise ValueError("the challenge side must be LEFT or RIGHT")
        self.side = side
        self.mirrored = mirrored
        self.state = LivenessState.WAIT_FRONT
        self.reason = LivenessReason.IN_PROGRESS
        self._start: float | None = None
        self._last_seen: float | None = None
        self._last_pts: np.ndarray | None = None
        self._last_yaw: float | None = None
        self._frozen = 0
        self.max_motion = 0.0
        self.yaws: list[float] = []

    @property
    def instruction(self) -> str:
        return f"Please turn your head to your {self.side.value}, then back to the camera."

    def status(self) -> LivenessStatus:
        """Where the challenge stands now (before the first frame: waiting for a frontal face)."""
        return self._status(self._last_yaw)

    def fail(self, reason: LivenessReason) -> LivenessStatus:
        """End the challenge as failed for a reason seen outside the landmarks (another face)."""
        if self.state in (LivenessState.PASSED, LivenessState.FAILED):
            return self._status()
        return self._fail(reason)

    def _status(self, yaw: float | None = None) -> LivenessStatus:
        if self.state is LivenessState.FAILED:
            message = _FAIL_MESSAGES.get(self.reason, "Liveness check failed.")
        elif self.state is LivenessState.PASSED:
            message = "Liveness confirmed."
        else:
            message = self.instruction
        return LivenessStatus(self.state, self.reason, self.side, message, yaw)

    def _fail(self, reason: LivenessReason, yaw: float | None = None) -> LivenessStatus:
        self.state, self.reason = LivenessState.FAILED, reason
        log.info("liveness failed: %s (side %s, yaw trace %s)", reason.value, self.side.value,
                 [round(y) for y in self.yaws[-20:]])
        return self._status(yaw)

    def update(self, landmarks: np.ndarray | None, now: float) -> LivenessStatus:
        """One frame: the customer's 5 landmarks (None when no face) at time ``now`` (seconds)."""
        cfg = self.config
        if self.state in (LivenessState.PASSED, LivenessState.FAILED):
            return self._status()
        if self._start is None:
            self._start = now
        if now - self._start > cfg.window_s:
            return self._fail(LivenessReason.TIMEOUT)
        if landmarks is None:
            lost_for = now - (self._last_seen if self._last_seen is not None else now)
            if self.state is not LivenessState.WAIT_FRONT and lost_for > cfg.max_lost_s:
                return self._fail(LivenessReason.FACE_LOST)
            return self._status()
        pts = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
        try:
            yaw = estimate_pose(pts, mirrored=self.mirrored).yaw
        except ValueError:  # implausible landmarks: as good as no face
            return self.update(None, now)
        self._last_seen = now
        if (reason := self._check_motion(pts)) is not None:
            return self._fail(reason)
        if self._last_yaw is not None and abs(yaw - self._last_yaw) > cfg.max_yaw_step:
            return self._fail(LivenessReason.JUMP, yaw)
        self._last_yaw = yaw
        self.yaws.append(yaw)
        toward = yaw if self.side is FacePose.RIGHT else -yaw  # > 0: towards the requested side
        if self.state is LivenessState.WAIT_FRONT:
            if abs(yaw) <= cfg.front_max_yaw:
                self.state = LivenessState.TURN
        elif self.state is LivenessState.TURN:
            if toward <= -cfg.turn_min_yaw:
                return self._fail(LivenessReason.WRONG_SIDE, yaw)
            if toward >= cfg.turn_min_yaw:
                self.state = LivenessState.RETURN if cfg.require_return else LivenessState.PASSED
        elif self.state is LivenessState.RETURN:
            if toward <= -cfg.turn_min_yaw:
                return self._fail(LivenessReason.WRONG_SIDE, yaw)
            if abs(yaw) <= cfg.front_max_yaw:
                self.state = LivenessState.PASSED
        if self.state is LivenessState.PASSED:
            if self.max_motion < cfg.min_motion:
                return self._fail(LivenessReason.NO_MOTION, yaw)
            self.reason = LivenessReason.OK
            log.info("liveness passed (side %s) in %.1f s", self.side.value, now - self._start)
        return self._status(yaw)

    def _check_motion(self, pts: np.ndarray) -> LivenessReason | None:
        """Track frame-to-frame landmark motion (in eye distances); a frozen run fails."""
        eye = max(float(np.linalg.norm(pts[1] - pts[0])), 1e-6)
        if self._last_pts is not None:
            motion = float(np.linalg.norm(pts - self._last_pts, axis=1).mean()) / eye
            self.max_motion = max(self.max_motion, motion)
            self._frozen = self._frozen + 1 if motion < self.config.frozen_eps else 0
            if self._frozen >= self.config.max_frozen_frames:
                return LivenessReason.FROZEN
        self._last_pts = pts
        return None
