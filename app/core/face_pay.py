"""Who may pay by face: the identification decision (1:N, or 1:1 with the phone's last four digits).

Pure Python on similarity scores that the vision side computed (best cosine similarity per customer,
from templates of one embedder backend). A match needs the score to reach the backend's calibrated
threshold and, when other customers are candidates, to beat the runner-up by a margin. The phone
digits (optional second factor) narrow the candidates to customers with those digits, which turns the
1:N search into a 1:1 check when one customer has them.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)


class MatchReason(enum.StrEnum):
    OK = "ok"
    EMPTY_GALLERY = "empty_gallery"
    BELOW_THRESHOLD = "below_threshold"
    AMBIGUOUS = "ambiguous"
    NO_PHONE_MATCH = "no_phone_match"


@dataclass(frozen=True)
class IdentityDecision:
    """The outcome for one face. ``customer_id`` is set only when ``accepted``."""

    customer_id: str | None
    accepted: bool
    reason: MatchReason
    score: float
    best_candidate: str | None
    runner_up: str | None
    runner_up_score: float
    mode: str  # "1:N" or "1:1" (or "1:few" when several customers share the phone digits)

    @property
    def margin(self) -> float:
        return self.score - self.runner_up_score


def decide_identity(scores: Mapping[str, float], *, threshold: float, margin: float,
                    candidates: set[str] | None = None) -> IdentityDecision:
    """Decide from ``scores`` (customer → best similarity); ``candidates`` limits who may match."""
    pool = {cid: s for cid, s in scores.items() if candidates is None or cid in candidates}
    mode = "1:N" if candidates is None else ("1:1" if len(candidates) == 1 else "1:few")
    if not pool:
        reason = MatchReason.EMPTY_GALLERY if candidates is None else MatchReason.NO_PHONE_MATCH
        return IdentityDecision(None, False, reason, -1.0, None, None, -1.0, mode)
    ranked = sorted(pool.items(), key=lambda item: item[1], reverse=True)
    best, best_score = ranked[0]
    runner, runner_score = ranked[1] if len(ranked) > 1 else (None, -1.0)
    if best_score < threshold:
        reason = MatchReason.BELOW_THRESHOLD
    elif runner is not None and best_score - runner_score < margin:
        reason = MatchReason.AMBIGUOUS
    else:
        reason = MatchReason.OK
    accepted = reason is MatchReason.OK
    return IdentityDecision(best if accepted else None, accepted, reason, float(best_score), best, runner,
                            float(runner_score), mode)


def candidates_for_phone(phones: Mapping[str, str | None], last4: str) -> set[str]:
    """The customers whose registered phone number ends in ``last4``."""
    if len(last4) != 4 or not last4.isdigit():
        raise ValueError("phone digits must be exactly four digits")
    return {cid for cid, phone in phones.items() if phone == last4}


def decide_face_pay(scores: Mapping[str, float], *, threshold: float, margin: float,
                    phones: Mapping[str, str | None] | None = None,
                    phone_last4: str | None = None) -> IdentityDecision:
    """1:N over everyone, or (with ``phone_last4``) a check against the customers with those digits."""
    if phone_last4 is None:
        return decide_identity(scores, threshold=threshold, margin=margin)
    pool = candidates_for_phone(phones or {}, phone_last4)
    decision = decide_identity(scores, threshold=threshold, margin=margin, candidates=pool)
    others = [s for cid, s in scores.items() if cid not in pool]
    if decision.accepted and others and max(others) > decision.score:
        # The face looks more like a customer without these digits: refuse rather than trust the digits.
        decision = IdentityDecision(None, False, MatchReason.AMBIGUOUS, decision.score,
                                    decision.best_candidate, None, max(others), decision.mode)
    log.info("face pay %s: %s", decision.mode, decision.reason.value)
    return decision
