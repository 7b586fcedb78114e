"""Face pay inside the checkout: turns the face thread's per-frame results into checkout events.

In IDENTIFY the customer counts as identified only from results seen *after* the payment asked for the
face (``fresh_frames`` of them, so someone who merely stood by the counter earlier is not charged), and
only when the face thread confirmed one identity over its K consistent frames. A good face that matches
no one for ``unknown_frames`` results tells the customer so (they may keep trying until the timeout).

In LIVENESS a :class:`LivenessChallenge` (random side) watches the landmarks; a different registered
face appearing in the middle fails it. Qt-free: the kiosk feeds results and state changes in, tests
feed made-up ones.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Protocol

import numpy as np

from app.core.checkout import Checkout, CheckoutSnapshot, CheckoutState
from app.vision.faces.liveness import LivenessChallenge, LivenessConfig, LivenessReason, LivenessStatus

log = logging.getLogger(__name__)
S = CheckoutState


class FaceResultLike(Protocol):
    box: tuple[float, float, float, float] | None
    quality_ok: bool
    candidate: str | None
    confirmed: str | None
    score: float
    landmarks: tuple[tuple[float, float], ...] | None


class FacePayDriver:
    """Feeds :class:`Checkout` from face results; ``liveness_changed`` gets every liveness status."""

    def __init__(self, checkout: Checkout, name_of: Callable[[str], str | None], *,
                 now: Callable[[], float] = time.monotonic, rng: random.Random | None = None,
                 mirrored: bool = False, liveness: LivenessConfig | None = None,
                 fresh_frames: int = 5, unknown_frames: int = 8) -> None:
        self.checkout = checkout
        self.name_of = name_of
        self.now = now
        self.rng = rng or random.SystemRandom()
        self.mirrored = mirrored
        self.liveness_config = liveness or LivenessConfig()
        self.fresh_frames, self.unknown_frames = fresh_frames, unknown_frames
        self.challenge: LivenessChallenge | None = None
        self.liveness_status: LivenessStatus | None = None
        self.liveness_changed: list[Callable[[LivenessStatus | None], None]] = []
        self._state = checkout.state
        self._seen = self._unknown = 0
        checkout.add_listener(self._on_snapshot)

    def close(self) -> None:
        self.checkout.remove_listener(self._on_snapshot)

    def _on_snapshot(self, snapshot: CheckoutSnapshot) -> None:
        entered = snapshot.state is not self._state
        self._state = snapshot.state
        if not entered:
            return
        self._seen = self._unknown = 0
        if snapshot.state is S.LIVENESS:
            self.challenge = LivenessChallenge(self.liveness_config, rng=self.rng, mirrored=self.mirrored)
            self._set_status(self.challenge.status())
        elif self.challenge is not None:
            self.challenge = None
            self._set_status(None)

    @property
    def challenge_done(self) -> bool:
        return self.liveness_status is not None and self.liveness_status.done

    def _set_status(self, status: LivenessStatus | None) -> None:
        self.liveness_status = status
        for callback in list(self.liveness_changed):
            callback(status)

    def on_face(self, result: FaceResultLike) -> None:
        state = self.checkout.state
        if state is S.IDENTIFY:
            self._identify(result)
        elif state is S.LIVENESS and self.challenge is not None:
            self._liveness(result)

    def _identify(self, result: FaceResultLike) -> None:
        self._seen += 1
        if result.confirmed is not None and self._seen >= self.fresh_frames:
            customer_id = result.confirmed
            self.checkout.face_identified(customer_id, self.name_of(customer_id) or "", result.score)
            return
        if result.box is not None and result.quality_ok and result.candidate is None:
            self._unknown += 1
            if self._unknown % self.unknown_frames == 0:
                self.checkout.face_unknown("not_recognised")
        elif result.candidate is not None:
            self._unknown = 0

    def _liveness(self, result: FaceResultLike) -> None:
        assert self.challenge is not None
        if self.challenge_done:
            return
        customer = self.checkout.snapshot.customer_id
        if result.candidate is not None and result.candidate != customer:
            log.info("liveness: another registered face (%s) appeared", result.candidate)
            self._set_status(self.challenge.fail(LivenessReason.FACE_CHANGED))
            self.checkout.liveness_result(False, "face_changed")
            return
        landmarks = None if result.box is None or result.landmarks is None else np.asarray(result.landmarks)
        status = self.challenge.update(landmarks, self.now())
        self._set_status(status)
        if status.done:
            self.checkout.liveness_result(status.passed, status.reason.value)
