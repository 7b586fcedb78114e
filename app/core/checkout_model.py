"""The values of the checkout state machine: states, message codes, timeouts, the navigation map and
the snapshot the UI renders. The machine itself is :class:`app.core.checkout.Checkout`."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.core.cart import CartLine
from app.core.checkout_counter import Candidate
from app.core.receipt import Receipt


class CheckoutState(enum.StrEnum):
    IDLE = "idle"
    SCANNING = "scanning"
    REVIEW = "review"
    IDENTIFY = "identify"
    LIVENESS = "liveness"
    CONFIRM = "confirm"
    PAID = "paid"


PAYMENT_STATES = (CheckoutState.REVIEW, CheckoutState.IDENTIFY, CheckoutState.LIVENESS,
                  CheckoutState.CONFIRM)


class Message(enum.StrEnum):
    """What the UI should tell people (it translates the code with ``tr()``)."""

    PLACE_ITEMS = "place_items"
    TAKE_ITEMS = "take_items"  # the counter still holds a finished (paid, voided, cancelled) sale
    SCANNING = "scanning"
    HOLD_ON = "hold_on"
    SPREAD_ITEMS = "spread_items"
    ATTENDANT_NEEDED = "attendant_needed"
    EMPTY_CART = "empty_cart"
    REVIEW_LIST = "review_list"
    LOOK_AT_CAMERA = "look_at_camera"
    FACE_NOT_RECOGNISED = "face_not_recognised"
    TURN_HEAD = "turn_head"
    LIVENESS_FAILED = "liveness_failed"
    CONFIRM_PAYMENT = "confirm_payment"
    PAYMENT_FAILED = "payment_failed"
    PAID = "paid"
    ITEMS_CHANGED = "items_changed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    PIN_REFUSED = "pin_refused"
    VOIDED = "voided"
    APPROVED = "approved"
    ITEM_RESOLVED = "item_resolved"


class AttendantReason(enum.StrEnum):
    AGE_CHECK = "age_check"
    UNKNOWN_ITEM = "unknown_item"


@dataclass(frozen=True)
class CheckoutConfig:
    """Timeouts in seconds (None: never) and limits. Timeouts count from entering the state; in
    SCANNING every change on the counter starts the count again (it is an inactivity timeout)."""

    scanning_s: float | None = 300.0
    review_s: float | None = 60.0
    identify_s: float | None = 20.0
    liveness_s: float | None = 8.0
    confirm_s: float | None = 30.0
    paid_s: float | None = 10.0
    max_liveness_failures: int = 3  # the third failed liveness check in one payment cancels it
    max_payment_failures: int = 2  # record_sale failures before the payment is given up
    unknown_confirm_frames: int = 3
    max_candidates: int = 3
    payment_method: str = "face"
    receipt_lang: str = "ko"  # language of the product names on the receipt

    def __post_init__(self) -> None:
        for state in CheckoutState:
            seconds = self.timeout(state)
            if seconds is not None and seconds <= 0:
                raise ValueError(f"timeout for {state.value} must be positive or None, not {seconds}")
        if self.max_liveness_failures < 1 or self.max_payment_failures < 1:
            raise ValueError("failure limits must be at least 1")

    def timeout(self, state: CheckoutState) -> float | None:
        value: float | None = getattr(self, f"{state.value}_s", None)
        return value


# The navigation map: the events each state accepts and where they normally lead (None: the state
# stays, or the target depends on the event's data; see the Checkout methods). Everything else raises
# InvalidTransition. ``cancel``, ``tick`` and ``items_changed`` are accepted everywhere.
_ANYWHERE: Mapping[str, CheckoutState | None] = {"cancel": None, "tick": None, "items_changed": None}
_ATTENDANT: Mapping[str, CheckoutState | None] = {"void_line": None, "void_sale": CheckoutState.IDLE}
NAVIGATION: Mapping[CheckoutState, Mapping[str, CheckoutState | None]] = {
    CheckoutState.IDLE: {**_ANYWHERE, "items_changed": CheckoutState.SCANNING},
    CheckoutState.SCANNING: {**_ANYWHERE, **_ATTENDANT, "request_review": CheckoutState.REVIEW,
                             "approve_age_restricted": None, "pick_candidate": None,
                             "dismiss_unknown": None},
    CheckoutState.REVIEW: {**_ANYWHERE, **_ATTENDANT, "confirm_list": CheckoutState.IDENTIFY},
    CheckoutState.IDENTIFY: {**_ANYWHERE, **_ATTENDANT, "face_identified": CheckoutState.LIVENESS,
                             "face_unknown": None, "face_decision": None, "enter_phone_last4": None},
    CheckoutState.LIVENESS: {**_ANYWHERE, **_ATTENDANT, "liveness_result": CheckoutState.CONFIRM},
    CheckoutState.CONFIRM: {**_ANYWHERE, **_ATTENDANT, "customer_confirmed": CheckoutState.PAID},
    CheckoutState.PAID: {**_ANYWHERE, "customer_confirmed": None},  # a second confirm does nothing
}


class CheckoutError(ValueError):
    """A checkout action that cannot be done now (the message says why)."""


class InvalidTransition(CheckoutError):  # noqa: N818 - the name the issue uses
    """An event the navigation map does not allow in the current state."""

    def __init__(self, state: CheckoutState, event: str) -> None:
        self.state, self.event = state, event
        allowed = ", ".join(sorted(NAVIGATION[state]))
        super().__init__(f"{event!r} is not allowed in state {state.value!r} (allowed: {allowed})")


class AuditSink(Protocol):
    """``Store.audit`` fits: one entry with a small JSON-able detail (never biometric data)."""

    def __call__(self, kind: str, detail: dict[str, Any], actor: str = ...) -> None: ...


RecordSale = Callable[[Sequence[CartLine], str | None, str], str]  # Store.record_sale → receipt no.
VerifyPin = Callable[[str], bool]  # OperatorGate.verify


@dataclass(frozen=True)
class CheckoutSnapshot:
    """Everything the checkout screen shows, as one immutable value.

    ``lines`` are the cart (in PAID: the lines paid for; in IDLE: none). ``deadline`` is the ``now()``
    value at which the current state times out (None: never). ``candidates`` are the top products for
    the first unknown object still waiting for the attendant.
    """

    state: CheckoutState
    lines: tuple[CartLine, ...]
    total_won: int
    item_count: int
    message: Message
    deadline: float | None
    settling: bool = False
    spread_items: bool = False
    attendant_reasons: tuple[AttendantReason, ...] = ()
    unknown_items: int = 0
    candidates: tuple[Candidate, ...] = ()
    age_restricted_skus: tuple[str, ...] = ()
    voided_skus: tuple[str, ...] = ()
    customer_id: str | None = None
    customer_name: str | None = None
    phone_last4_entered: bool = False
    liveness_failures: int = 0
    receipt_no: str | None = None
    receipt: Receipt | None = None
    awaiting_clear: bool = False

    @property
    def attendant_needed(self) -> bool:
        return bool(self.attendant_reasons)

    @property
    def can_review(self) -> bool:
        """Whether the Pay button may be pressed now."""
        return (self.state is CheckoutState.SCANNING and bool(self.lines) and not self.settling
                and not self.spread_items and not self.attendant_reasons)
