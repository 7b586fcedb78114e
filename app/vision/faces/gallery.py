"""The gallery of enrolled templates (one backend), cosine matching, and the K-frame identity tracker.

Each customer has several templates (one per registration pose); a probe's score for a customer is
its best cosine similarity over that customer's templates. The accept/reject rule (threshold, margin
to the runner-up, optional phone digits) lives in ``app.core.face_pay``; this module computes scores.

Calibration (threshold, margin per backend) - how the numbers were obtained:

- dlib: ``selfcheckout eval-faces ../shared/faces --backend dlib`` (14 single-person photos of 8
  people, MTCNN found every face, aligned and embedded exactly as the kiosk does). All photo pairs:
  9 genuine pairs score 0.952-0.997; 82 impostor pairs at most 0.921 (angelina_jolie vs kate_siegel;
  the next is about 0.88). dlib's documented operating point (Euclidean 0.6 between raw descriptors,
  whose norms here are 1.32-1.61) is about cosine 0.91, which would accept that impostor pair, so the
  threshold is 0.94 (between 0.921 and 0.952) and the margin to the runner-up 0.03. With 1 photo
  enrolled per registered person: TAR 1.0 (6 probes), FAR 0.0 (4 unregistered probes), rank-1 1.0,
  lowest genuine 0.952, highest impostor 0.863 against the gallery. 14 photos are a small sample:
  re-run the command on the store's own photos (and more people) before trusting a lower FAR.
- facenet: NOT calibrated on real faces here (the VGGFace2 weights cannot be downloaded on the build
  machine). Provisional: facenet-pytorch's LFW operating point (Euclidean about 1.1 between unit
  vectors = cosine 0.40) made stricter for payment: 0.55, margin 0.05. Recalibrate with
  ``selfcheckout eval-faces DIR --backend facenet`` once the weights are installed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.core.face_pay import IdentityDecision, decide_face_pay, decide_identity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Calibration:
    threshold: float
    margin: float


CALIBRATION: Mapping[str, Calibration] = {
    "dlib": Calibration(threshold=0.94, margin=0.03),
    "facenet": Calibration(threshold=0.55, margin=0.05),
}


class BackendMismatchError(ValueError):
    """A template or probe of another embedder backend (or dimension) than the gallery's."""


class Gallery:
    """Templates of one backend. Not thread-safe: one owner (the face worker) updates and queries it."""

    def __init__(self, backend: str, *, threshold: float | None = None, margin: float | None = None) -> None:
        calibration = CALIBRATION.get(backend)
        if calibration is None and (threshold is None or margin is None):
            raise ValueError(f"no calibration for backend {backend!r}: give threshold and margin")
        self.backend = backend
        self.threshold = threshold if threshold is not None else calibration.threshold  # type: ignore[union-attr]
        self.margin = margin if margin is not None else calibration.margin  # type: ignore[union-attr]
        self._ids: list[str] = []
        self._poses: list[str] = []
        self._matrix: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def dim(self) -> int | None:
        return None if self._matrix is None else int(self._matrix.shape[1])

    @property
    def customers(self) -> set[str]:
        return set(self._ids)

    def _unit(self, vector: np.ndarray | Iterable[float]) -> np.ndarray:
        vec = np.asarray(vector, dtype=np.float32).reshape(-1)
        if self.dim is not None and vec.shape[0] != self.dim:
            raise BackendMismatchError(f"vector of {vec.shape[0]} values; the {self.backend} gallery "
                                       f"holds {self.dim}")
        norm = float(np.linalg.norm(vec))
        if not np.isfinite(norm) or norm == 0.0:
            raise ValueError("template is zero or not finite")
        return vec / norm

    def add(self, customer_id: str, vector: np.ndarray | Iterable[float], *, backend: str,
            pose: str = "front") -> None:
        """Add one template; ``backend`` must be the gallery's (templates of two backends never mix)."""
        if backend != self.backend:
            raise BackendMismatchError(f"{backend} template cannot join the {self.backend} gallery")
        vec = self._unit(vector)
        self._matrix = vec[None, :] if self._matrix is None else np.vstack([self._matrix, vec])
        self._ids.append(customer_id)
        self._poses.append(pose)

    def remove(self, customer_id: str) -> int:
        keep = [i for i, cid in enumerate(self._ids) if cid != customer_id]
        removed = len(self._ids) - len(keep)
        if removed:
            self._ids = [self._ids[i] for i in keep]
            self._poses = [self._poses[i] for i in keep]
            self._matrix = self._matrix[keep] if keep and self._matrix is not None else None
        return removed

    def scores(self, vector: np.ndarray | Iterable[float], *, backend: str | None = None) -> dict[str, float]:
        """customer → best cosine similarity of ``vector`` against that customer's templates."""
        if backend is not None and backend != self.backend:
            raise BackendMismatchError(f"{backend} probe cannot be matched against the {self.backend} "
                                       "gallery")
        if self._matrix is None:
            return {}
        sims = self._matrix @ self._unit(vector)
        best: dict[str, float] = {}
        for cid, sim in zip(self._ids, sims.tolist(), strict=True):
            if sim > best.get(cid, -2.0):
                best[cid] = sim
        return best

    def match(self, vector: np.ndarray | Iterable[float], *, backend: str | None = None,
              phones: Mapping[str, str | None] | None = None,
              phone_last4: str | None = None) -> IdentityDecision:
        """1:N identification, or the phone-digit check when ``phone_last4`` is given."""
        scores = self.scores(vector, backend=backend)
        if phone_last4 is None:
            return decide_identity(scores, threshold=self.threshold, margin=self.margin)
        return decide_face_pay(scores, threshold=self.threshold, margin=self.margin, phones=phones,
                               phone_last4=phone_last4)

    @classmethod
    def from_records(cls, records: Iterable[Any], backend: str,
                     decrypt: Callable[[Any], np.ndarray], **kwargs: Any) -> Gallery:
        """Build from stored template records (``customer_id``, ``pose``, ``backend`` attributes);
        records of other backends are skipped, ``decrypt(record)`` gives the vector."""
        gallery = cls(backend, **kwargs)
        skipped = 0
        for record in records:
            if record.backend != backend:
                skipped += 1
                continue
            gallery.add(record.customer_id, decrypt(record), backend=backend, pose=record.pose)
        if skipped:
            log.info("gallery %s: skipped %d templates of other backends (customers must re-register)",
                     backend, skipped)
        return gallery


class IdentityTracker:
    """Confirms an identity only after ``k`` consecutive accepted matches of the same customer.

    A rejected match (unknown face) or a different customer restarts the count; frames without a
    usable face (``None``) neither count nor reset, up to ``max_gap`` of them in a row.
    """

    def __init__(self, k: int = 5, max_gap: int = 2) -> None:
        if k < 1:
            raise ValueError("k must be at least 1")
        self.k, self.max_gap = k, max_gap
        self.reset()

    def reset(self) -> None:
        self._candidate: str | None = None
        self._streak = 0
        self._gap = 0

    @property
    def streak(self) -> int:
        return self._streak

    def update(self, decision: IdentityDecision | None) -> str | None:
        """Feed one frame's decision; returns the confirmed customer ID or None."""
        if decision is None:
            self._gap += 1
            if self._gap > self.max_gap:
                self.reset()
            return self.confirmed
        self._gap = 0
        if not decision.accepted or decision.customer_id is None:
            self.reset()
            return None
        if decision.customer_id != self._candidate:
            self._candidate, self._streak = decision.customer_id, 0
        self._streak += 1
        return self.confirmed

    @property
    def confirmed(self) -> str | None:
        return self._candidate if self._streak >= self.k else None
