"""The machinery under :class:`app.core.checkout.Checkout`: construction, listeners, snapshots, state
entry and exit, attendant requests and auditing. The events themselves are in ``checkout.py``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from app.core.cart import CartLine
from app.core.catalog import Catalog
from app.core.checkout_counter import CounterModel
from app.core.checkout_model import (
    NAVIGATION,
    PAYMENT_STATES,
    AttendantReason,
    AuditSink,
    CheckoutConfig,
    CheckoutSnapshot,
    CheckoutState,
    InvalidTransition,
    Message,
    RecordSale,
    VerifyPin,
)
from app.core.receipt import Receipt

log = logging.getLogger(__name__)
S = CheckoutState


class CheckoutCore:
    """State, timers, listeners and snapshots of one kiosk's checkout (see :class:`Checkout`)."""

    def __init__(self, catalog: Catalog, *, record_sale: RecordSale, audit: AuditSink, verify_pin: VerifyPin,
                 now: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
                 config: CheckoutConfig | None = None, store_name: str = "셀프 계산대") -> None:
        self.config = config or CheckoutConfig()
        self.store_name = store_name
        self._record_sale, self._audit, self._verify_pin = record_sale, audit, verify_pin
        self._now, self._wall_clock = now, wall_clock
        self.counter = CounterModel(catalog, confirm_frames=self.config.unknown_confirm_frames,
                                    max_candidates=self.config.max_candidates)
        self._listeners: list[Callable[[CheckoutSnapshot], None]] = []
        self._state = S.IDLE
        self._deadline: float | None = None
        self._message = Message.PLACE_ITEMS
        self._awaiting_clear = False
        self._age_approved = False
        self._audited_unknown = 0
        self._audited_age: tuple[str, ...] = ()
        self._paying = False
        self._receipt: Receipt | None = None
        self._customer: tuple[str, str] | None = None  # (customer_id, name) once identified
        self._phone_last4: str | None = None
        self._liveness_failures = self._payment_failures = self._unknown_faces = 0
        self._paid_lines: tuple[CartLine, ...] = ()
        self._snapshot = self._build()

    # -- observers and reading -------------------------------------------------------------------
    def add_listener(self, callback: Callable[[CheckoutSnapshot], None]) -> None:
        self._listeners.append(callback)

    def remove_listener(self, callback: Callable[[CheckoutSnapshot], None]) -> None:
        self._listeners.remove(callback)

    @property
    def state(self) -> CheckoutState:
        return self._state

    @property
    def snapshot(self) -> CheckoutSnapshot:
        return self._snapshot

    @property
    def phone_last4(self) -> str | None:
        """The digits the customer typed (the face side passes them to ``decide_face_pay``)."""
        return self._phone_last4

    def allowed(self, event: str) -> bool:
        return event in NAVIGATION[self._state]

    # -- internals -------------------------------------------------------------------------------
    def _require(self, event: str) -> None:
        if event not in NAVIGATION[self._state]:
            raise InvalidTransition(self._state, event)

    def _deadline_for(self, state: CheckoutState) -> float | None:
        seconds = self.config.timeout(state)
        return None if seconds is None else self._now() + seconds

    def _enter(self, state: CheckoutState, message: Message) -> None:
        if state is not self._state:
            log.info("checkout: %s → %s (%s)", self._state.value, state.value, message.value)
        if state is S.IDLE:
            self.counter.reset_sale()
            self._age_approved, self._audited_age, self._audited_unknown = False, (), 0
            self._receipt = None
            self._reset_payment()
        elif state is S.SCANNING:
            self._reset_payment()
        self._state, self._message = state, message
        self._deadline = self._deadline_for(state)

    def _reset_payment(self) -> None:
        self._customer = None
        self._phone_last4 = None
        self._liveness_failures = self._payment_failures = self._unknown_faces = 0
        self._paid_lines = ()

    def _leave_payment(self, message: Message) -> None:
        has_items = not self.counter.counter_empty or not self.counter.cart.is_empty
        self._enter(S.SCANNING if has_items else S.IDLE, message)

    def _finish_sale(self, message: Message) -> None:
        """End the sale; IDLE waits for an empty counter when items are still on it."""
        self._enter(S.IDLE, message)
        self._awaiting_clear = not self.counter.counter_empty
        if self._awaiting_clear and message is Message.PLACE_ITEMS:
            self._message = Message.TAKE_ITEMS
        self._emit()

    def _liveness_failed(self, reason: str) -> None:
        self._liveness_failures += 1
        customer_id = self._customer[0] if self._customer else None
        self._audit_event("checkout_liveness_failed", {"reason": reason, "failures": self._liveness_failures,
                                                       "customer_id": customer_id})
        if self._liveness_failures >= self.config.max_liveness_failures:
            self._audit_event("checkout_cancel", {"reason": "liveness_failed", **self._sale_detail()})
            self._leave_payment(Message.LIVENESS_FAILED)
            return
        self._customer = None
        self._enter(S.IDENTIFY, Message.LIVENESS_FAILED)

    def _blocker(self) -> Message | None:
        if self.counter.settling:
            return Message.HOLD_ON
        if self.counter.spread:
            return Message.SPREAD_ITEMS
        if self._attendant_reasons():
            return Message.ATTENDANT_NEEDED
        return None

    def _attendant_reasons(self) -> tuple[AttendantReason, ...]:
        if self._state not in (S.SCANNING, *PAYMENT_STATES):
            return ()
        reasons = []
        if self.counter.age_restricted_skus() and not self._age_approved:
            reasons.append(AttendantReason.AGE_CHECK)
        if self.counter.unresolved:
            reasons.append(AttendantReason.UNKNOWN_ITEM)
        return tuple(reasons)

    def _audit_attendant_requests(self) -> None:
        """Each new attendant request is audited once (not on every frame)."""
        if self._state is not S.SCANNING:
            return
        age = () if self._age_approved else self.counter.age_restricted_skus()
        if age and not set(age) <= set(self._audited_age):
            self._audit_event("checkout_age_check", {"skus": list(age)})
        self._audited_age = tuple(set(age) | set(self._audited_age))
        unresolved = self.counter.unresolved
        if len(unresolved) > self._audited_unknown:
            self._audit_event("checkout_unknown_item", {
                "count": len(unresolved), "reasons": [u.reason for u in unresolved],
                "candidates": [c.detector_class for c in unresolved[0].candidates]})
        self._audited_unknown = len(unresolved)

    def _pin_ok(self, pin: str, action: str, **detail: Any) -> bool:
        if self._verify_pin(pin):
            return True
        self._audit_event("checkout_pin_refused", {"action": action, **detail})
        self._message = Message.PIN_REFUSED
        self._emit()
        return False

    def _sale_detail(self) -> dict[str, Any]:
        cart = self.counter.cart
        return {"state": self._state.value, "lines": len(cart), "total_won": cart.total}

    def _audit_event(self, kind: str, detail: dict[str, Any], actor: str = "kiosk") -> None:
        try:
            self._audit(kind, detail, actor=actor)
        except Exception:  # a failing audit log must not stop the checkout
            log.exception("audit %s failed: %s", kind, detail)

    def _build(self) -> CheckoutSnapshot:
        state, cart, counter = self._state, self.counter.cart, self.counter
        lines = self._paid_lines if state is S.PAID else () if state is S.IDLE else cart.lines
        unresolved = counter.unresolved if state is not S.IDLE else ()
        customer = self._customer if state in (S.LIVENESS, S.CONFIRM, S.PAID) else None
        return CheckoutSnapshot(
            state=state, lines=lines, total_won=sum(ln.line_total for ln in lines),
            item_count=sum(ln.count for ln in lines), message=self._message, deadline=self._deadline,
            settling=counter.settling, spread_items=counter.spread,
            attendant_reasons=self._attendant_reasons(),
            unknown_items=len(unresolved), candidates=unresolved[0].candidates if unresolved else (),
            age_restricted_skus=counter.age_restricted_skus() if state is not S.IDLE else (),
            voided_skus=tuple(sorted(counter.voided)), customer_id=customer[0] if customer else None,
            customer_name=customer[1] if customer else None,
            phone_last4_entered=self._phone_last4 is not None,
            liveness_failures=self._liveness_failures,
            receipt_no=self._receipt.receipt_no if self._receipt else None, receipt=self._receipt,
            awaiting_clear=self._awaiting_clear)

    def _emit(self) -> None:
        snapshot = self._build()
        if snapshot == self._snapshot:
            return
        self._snapshot = snapshot
        for callback in list(self._listeners):
            try:
                callback(snapshot)
            except Exception:  # one broken view must not stop the checkout
                log.exception("checkout listener %r failed", callback)
