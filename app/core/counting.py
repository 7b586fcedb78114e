"""Turning per-frame detections into a cart that does not flicker.

Each counter frame gives class counts (detections at or above the counting score; weaker ones are
"uncertain" and never counted). The stabiliser keeps the last ``window`` frames and reports counts
only when at least ``agree`` of them are identical and the newest frame is one of them: a hand moving
an item, a momentary miss or a double detection never reaches the cart, and removing an item removes
it once the counter is still again.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

COUNT_SCORE = 0.5  # a detection at or above this score counts as an item
UNSURE_SCORE = 0.3  # between this and COUNT_SCORE it is shown as "uncertain", not counted


@dataclass(frozen=True)
class FrameCounts:
    """The counted classes of one frame and how many detections were too unsure to count."""

    counts: Mapping[str, int]
    uncertain: int = 0

    @classmethod
    def from_scores(cls, detections: Iterable[tuple[str, float]], count_score: float = COUNT_SCORE,
                    unsure_score: float = UNSURE_SCORE) -> FrameCounts:
        counts: Counter[str] = Counter()
        uncertain = 0
        for name, score in detections:
            if score >= count_score:
                counts[name] += 1
            elif score >= unsure_score:
                uncertain += 1
        return cls(dict(counts), uncertain)

    def key(self) -> tuple[tuple[str, int], ...]:
        return tuple(sorted((k, v) for k, v in self.counts.items() if v > 0))


@dataclass(frozen=True)
class Verdict:
    """``stable`` counts when the scene has settled, else None (items are moving: "hold on")."""

    stable: Mapping[str, int] | None
    settling: bool
    uncertain: int


class CountStabiliser:
    """Majority vote over the last ``window`` frames (see the module docstring)."""

    def __init__(self, window: int = 5, agree: int = 4) -> None:
        if not 1 <= agree <= window:
            raise ValueError(f"agree must be between 1 and window ({window}), not {agree}")
        self.window, self.agree = window, agree
        self._frames: deque[tuple[tuple[str, int], ...]] = deque(maxlen=window)
        self._stable: tuple[tuple[str, int], ...] | None = None

    def update(self, frame: FrameCounts) -> Verdict:
        key = frame.key()
        self._frames.append(key)
        votes = Counter(self._frames)
        best, n = votes.most_common(1)[0]
        if n >= self.agree and best == key:
            self._stable = best
            return Verdict(dict(best), settling=False, uncertain=frame.uncertain)
        return Verdict(None, settling=True, uncertain=frame.uncertain)

    @property
    def last_stable(self) -> dict[str, int] | None:
        return dict(self._stable) if self._stable is not None else None

    def reset(self) -> None:
        self._frames.clear()
        self._stable = None
