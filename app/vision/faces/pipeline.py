"""One face frame end to end: detect → pose + quality → align → embed → match, with stage timings.

Used by the face worker (identification, registration captures, liveness landmarks), by
``selfcheckout eval-faces`` and by ``benchmarks/bench_faces.py``. Frames are BGR uint8.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from app.core.face_pay import IdentityDecision
from app.core.registration import FacePose
from app.vision.faces.align import align_face
from app.vision.faces.detector import FaceDetection, MtcnnDetector
from app.vision.faces.embedder import FaceEmbedder
from app.vision.faces.gallery import Gallery
from app.vision.faces.pose import PoseAngles, PoseLimits, classify_pose, estimate_pose
from app.vision.faces.quality import (
    MESSAGES,
    QualityLimits,
    QualityReason,
    QualityVerdict,
    assess_quality,
)

log = logging.getLogger(__name__)

STAGES = ("detect", "quality", "align", "embed", "match")


@dataclass(frozen=True)
class FaceObservation:
    """What one frame showed. Later stages are None when an earlier one stopped the frame."""

    detection: FaceDetection | None
    angles: PoseAngles | None
    pose: FacePose | None
    quality: QualityVerdict
    chip: np.ndarray | None = None
    embedding: np.ndarray | None = None
    decision: IdentityDecision | None = None
    backend: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def landmarks(self) -> np.ndarray | None:
        return None if self.detection is None else self.detection.landmarks


@dataclass(frozen=True)
class RegistrationCapture:
    """One frame's offer for a registration pose step: the keyword arguments of
    ``RegistrationWizard.submit_capture`` (``as_kwargs``) plus the observation behind it."""

    pose: str | None
    quality_ok: bool
    quality_reason: str
    template: tuple[float, ...]
    duplicate_of: str | None
    observation: FaceObservation

    def as_kwargs(self) -> dict[str, object]:
        return {"pose": self.pose, "quality_ok": self.quality_ok, "quality_reason": self.quality_reason,
                "template": self.template, "duplicate_of": self.duplicate_of}


class FacePipeline:
    """Detector + embedder (+ gallery). ``process`` never raises for a bad frame, only for bad input."""

    def __init__(self, detector: MtcnnDetector, embedder: FaceEmbedder, gallery: Gallery | None = None, *,
                 quality_limits: QualityLimits | None = None, pose_limits: PoseLimits | None = None,
                 mirrored: bool = False) -> None:
        if gallery is not None and gallery.backend != embedder.backend:
            raise ValueError(f"gallery backend {gallery.backend} differs from embedder {embedder.backend}")
        self.detector = detector
        self.embedder = embedder
        self.gallery = gallery
        self.quality_limits = quality_limits or QualityLimits()
        self.pose_limits = pose_limits or PoseLimits()
        self.mirrored = mirrored

    def process(self, frame_bgr: np.ndarray, *, embed: bool = True, match: bool = True,
                baseline: PoseAngles | None = None, phones: dict[str, str | None] | None = None,
                phone_last4: str | None = None) -> FaceObservation:
        """Run the stages; embedding only for faces that pass the quality checks.

        ``baseline`` is the customer's frontal pose (registration), ``phone_last4`` the optional
        second factor that turns 1:N into a 1:1 check.
        """
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        face = self.detector.detect(frame_bgr)
        t1 = time.perf_counter()
        timings["detect"] = (t1 - t0) * 1000
        angles = pose = None
        if face is not None:
            try:
                angles = estimate_pose(face.landmarks, mirrored=self.mirrored)
                pose = classify_pose(angles, baseline=baseline, limits=self.pose_limits)
            except ValueError:  # implausible landmarks: treat as turned away
                log.debug("implausible landmarks %s", face.landmarks.tolist())
        verdict = assess_quality(frame_bgr, face, angles, self.quality_limits)
        if face is not None and angles is None and verdict.ok:
            verdict = QualityVerdict(False, QualityReason.TURNED_AWAY, MESSAGES[QualityReason.TURNED_AWAY],
                                     verdict.metrics)
        t2 = time.perf_counter()
        timings["quality"] = (t2 - t1) * 1000
        obs = FaceObservation(face, angles, pose, verdict, backend=self.embedder.backend, timings_ms=timings)
        if not verdict.ok or not embed or face is None:
            return obs
        chip = align_face(frame_bgr, face.landmarks, self.embedder.chip)
        t3 = time.perf_counter()
        timings["align"] = (t3 - t2) * 1000
        vector = self.embedder.embed([chip])[0]
        t4 = time.perf_counter()
        timings["embed"] = (t4 - t3) * 1000
        decision = None
        if match and self.gallery is not None:
            decision = self.gallery.match(vector, backend=self.embedder.backend, phones=phones,
                                          phone_last4=phone_last4)
            timings["match"] = (time.perf_counter() - t4) * 1000
        return FaceObservation(face, angles, pose, verdict, chip, vector, decision, self.embedder.backend,
                               timings)

    def registration_capture(self, frame_bgr: np.ndarray, *,
                             baseline: PoseAngles | None = None) -> RegistrationCapture:
        """Pose label, quality and template of one frame for the registration wizard.

        Pass the FRONT capture's ``observation.angles`` as ``baseline`` for the later steps. The face
        is flagged as a duplicate when it reaches the threshold for any registered customer, even if
        the match would be ambiguous for payment.
        """
        obs = self.process(frame_bgr, match=False, baseline=baseline)
        duplicate = None
        if obs.embedding is not None and self.gallery is not None:
            scores = self.gallery.scores(obs.embedding, backend=self.embedder.backend)
            best = max(scores, key=scores.__getitem__, default=None)
            if best is not None and scores[best] >= self.gallery.threshold:
                duplicate = best
        template = () if obs.embedding is None else tuple(float(v) for v in obs.embedding)
        pose = None if obs.pose is None else obs.pose.value
        usable = obs.quality.ok and obs.embedding is not None
        return RegistrationCapture(pose, usable, obs.quality.reason.value, template, duplicate, obs)

    def embed_face(self, frame_bgr: np.ndarray, face: FaceDetection) -> np.ndarray:
        """The template of an already detected face (no quality gate): for evaluation and enrolment."""
        return self.embedder.embed([align_face(frame_bgr, face.landmarks, self.embedder.chip)])[0]
