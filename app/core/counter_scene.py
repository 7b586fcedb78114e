"""One counter frame's detections read as the checkout needs them: counts, candidates, stacking.

- ``counts``: what the stabiliser votes on (detections at or above the counting score; weaker ones are
  "uncertain" and never counted, see :mod:`app.core.counting`).
- ``candidates``: for every uncertain object (unsure boxes over the same spot are one object; an
  unsure box over a counted item is that item's runner-up class), the classes the detector offered
  there, best first: what the attendant picks from.
- ``overlapped``: two counted items lie largely on top of each other (one box covers most of the
  other). The detector cannot count a stack reliably, so the checkout asks to spread the items out
  instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from app.core.counting import COUNT_SCORE, UNSURE_SCORE, FrameCounts

SAME_SPOT_IOU = 0.5  # boxes of different classes this much alike describe one object
STACKED_COVER = 0.6  # a counted box covered this much by another counted box is "stacked"


class BoxLike(Protocol):
    name: str
    score: float
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class CounterReading:
    counts: FrameCounts
    candidates: tuple[tuple[tuple[str, float], ...], ...]
    overlapped: bool


def _area(b: Sequence[float]) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _intersection(a: Sequence[float], b: Sequence[float]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    inter = _intersection(a, b)
    union = _area(a) + _area(b) - inter
    return inter / union if union > 0 else 0.0


def covered(a: Sequence[float], b: Sequence[float]) -> float:
    """How much of the smaller of the two boxes the other one covers (0..1)."""
    smaller = min(_area(a), _area(b))
    return _intersection(a, b) / smaller if smaller > 0 else 0.0


def read_counter(detections: Iterable[BoxLike], *, count_score: float = COUNT_SCORE,
                 unsure_score: float = UNSURE_SCORE) -> CounterReading:
    dets = sorted((d for d in detections if d.score >= unsure_score), key=lambda d: d.score, reverse=True)
    counted = [d for d in dets if d.score >= count_score]
    # An unsure box over a counted one is that item's runner-up class, not another object; unsure boxes
    # over each other are one object with several guesses.
    objects: list[list[BoxLike]] = []
    for det in dets:
        if det.score >= count_score or any(iou(det.box, c.box) >= SAME_SPOT_IOU for c in counted):
            continue
        home = next((o for o in objects if iou(det.box, o[0].box) >= SAME_SPOT_IOU), None)
        if home is None:
            objects.append([det])
        else:
            home.append(det)
    candidates = []
    for group in objects:
        offered: dict[str, float] = {}
        for det in group:
            offered[det.name] = max(offered.get(det.name, 0.0), det.score)
        candidates.append(tuple(sorted(offered.items(), key=lambda kv: kv[1], reverse=True)))
    counts = FrameCounts.from_scores(((d.name, d.score) for d in counted), count_score, unsure_score)
    counts = FrameCounts(counts.counts, len(objects))
    overlapped = any(covered(a.box, b.box) >= STACKED_COVER
                     for i, a in enumerate(counted) for b in counted[i + 1:])
    return CounterReading(counts, tuple(candidates), overlapped)
