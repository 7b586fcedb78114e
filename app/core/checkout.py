"""The checkout as a plain state machine: IDLE → SCANNING → REVIEW → IDENTIFY → LIVENESS → CONFIRM →
PAID → IDLE, driven by events from the counter, the face side, the customer and the attendant.

Decisions (the tests hold them):

- ``cancel`` and timeouts in REVIEW/IDENTIFY/CONFIRM step out of the payment back to SCANNING when the
  cart (or the counter) still holds something, else to IDLE; in SCANNING they abandon the sale (IDLE);
  in PAID ``cancel`` is "done" (IDLE). A LIVENESS timeout counts as a failed liveness check.
- After a sale ends with items still on the counter (paid, voided, cancelled, abandoned) IDLE waits for
  an empty counter (``awaiting_clear``) so the same items never start a new sale by themselves.
- Any change of the cart or of the unknown objects during payment goes back to SCANNING; an attendant
  void during IDENTIFY/LIVENESS/CONFIRM goes back to REVIEW, so the customer confirms the new list.
- Age approval holds for the whole sale (the attendant checked the customer, not one item).
- Business refusals (Pay while items move, wrong PIN, ...) return False and set the message; events
  the navigation map does not allow raise :class:`InvalidTransition`.
- The sale itself is audited by ``record_sale`` in its own transaction; everything else that matters
  is audited here (``audit`` failures are logged, never stop the kiosk).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from app.core.checkout_core import CheckoutCore
from app.core.checkout_counter import Candidate, CandidateScores, UnknownItem
from app.core.checkout_model import (
    NAVIGATION,
    PAYMENT_STATES,
    AttendantReason,
    CheckoutConfig,
    CheckoutError,
    CheckoutSnapshot,
    CheckoutState,
    InvalidTransition,
    Message,
)
from app.core.counting import Verdict
from app.core.face_pay import IdentityDecision
from app.core.receipt import Receipt
from app.core.registration import PHONE_LAST4_RE

log = logging.getLogger(__name__)
S = CheckoutState

__all__ = ["NAVIGATION", "AttendantReason", "Candidate", "Checkout", "CheckoutConfig", "CheckoutError",
           "CheckoutSnapshot", "CheckoutState", "InvalidTransition", "Message", "UnknownItem"]


class Checkout(CheckoutCore):
    """One kiosk's checkout: the events. Single-threaded (the GUI thread); listeners get a snapshot on
    every change. Construction: ``Checkout(catalog, record_sale=..., audit=..., verify_pin=..., now=...)``.
    """

    # -- counter ---------------------------------------------------------------------------------
    def items_changed(self, verdict: Verdict, *, candidates: Sequence[CandidateScores] = (),
                      overlapped: bool = False) -> None:
        """A stabiliser verdict; ``candidates`` are the top classes of each too-unsure object and
        ``overlapped`` says the items are stacked (the cart is then left alone: "spread them out")."""
        self._require("items_changed")
        changed = self.counter.update(verdict, candidates, overlapped)
        has_items = not self.counter.counter_empty
        if self._state is S.IDLE:
            if self._awaiting_clear and not has_items:
                self._awaiting_clear, self._message = False, Message.PLACE_ITEMS
            elif has_items and not self._awaiting_clear:
                self._enter(S.SCANNING, Message.SCANNING)
        elif self._state is S.SCANNING:
            if not has_items and self.counter.cart.is_empty:
                self._enter(S.IDLE, Message.PLACE_ITEMS)
            elif changed or self.counter.settling:
                self._deadline = self._deadline_for(S.SCANNING)  # activity restarts the idle timeout
        elif self._state in PAYMENT_STATES and changed:
            self._audit_event("checkout_items_changed", {"state": self._state.value})
            self._leave_payment(Message.ITEMS_CHANGED)
        self._audit_attendant_requests()
        self._emit()

    # -- customer --------------------------------------------------------------------------------
    def request_review(self) -> bool:
        """The Pay button: SCANNING → REVIEW unless something blocks it (see ``_blocker``)."""
        self._require("request_review")
        if (blocker := self._blocker()) is not None or self.counter.cart.is_empty:
            self._message = blocker or Message.EMPTY_CART
            self._emit()
            return False
        self._enter(S.REVIEW, Message.REVIEW_LIST)
        self._emit()
        return True

    def confirm_list(self) -> bool:
        self._require("confirm_list")
        if (blocker := self._blocker()) is not None:
            self._message = blocker
            self._emit()
            return False
        self._reset_payment()
        self._enter(S.IDENTIFY, Message.LOOK_AT_CAMERA)
        self._emit()
        return True

    def enter_phone_last4(self, digits: str | None) -> None:
        """The optional second factor (None clears it); the identification restarts with it."""
        self._require("enter_phone_last4")
        if digits is not None and not PHONE_LAST4_RE.fullmatch(digits):
            raise CheckoutError("phone digits must be exactly four digits")
        self._phone_last4 = digits
        self._deadline = self._deadline_for(S.IDENTIFY)
        self._emit()

    def face_decision(self, decision: IdentityDecision, name: str | None) -> None:
        """A confirmed :class:`IdentityDecision` (``decide_face_pay`` over K frames) → identified/unknown."""
        self._require("face_decision")
        if self._phone_last4 is not None and decision.mode == "1:N":
            raise CheckoutError("the decision ignored the phone digits the customer entered")
        if decision.accepted and decision.customer_id is not None:
            self.face_identified(decision.customer_id, name or "", decision.score)
        else:
            self.face_unknown(decision.reason.value)

    def face_identified(self, customer_id: str, name: str, score: float) -> None:
        self._require("face_identified")
        self._customer = (customer_id, name)
        self._audit_event("checkout_face_identified", {"customer_id": customer_id, "score": round(score, 3),
                                                       "phone_digits": self._phone_last4 is not None})
        self._enter(S.LIVENESS, Message.TURN_HEAD)
        self._emit()

    def face_unknown(self, reason: str = "not_recognised") -> None:
        """No registered customer matched; the customer may keep trying until the IDENTIFY timeout."""
        self._require("face_unknown")
        self._unknown_faces += 1
        if self._unknown_faces == 1:
            self._audit_event("checkout_face_unknown", {"reason": reason})
        self._message = Message.FACE_NOT_RECOGNISED
        self._emit()

    def liveness_result(self, passed: bool, reason: str = "") -> None:
        self._require("liveness_result")
        if passed:
            self._enter(S.CONFIRM, Message.CONFIRM_PAYMENT)
        else:
            self._liveness_failed(reason or "failed")
        self._emit()

    def customer_confirmed(self) -> bool:
        """CONFIRM → record the sale once → PAID. In PAID (or while recording) it does nothing."""
        self._require("customer_confirmed")
        if self._state is S.PAID or self._paying:
            return False
        if (blocker := self._blocker()) is not None:
            self._message = blocker
            self._emit()
            return False
        customer_id, name = self._customer or (None, None)
        lines = self.counter.cart.lines
        method = self.config.payment_method
        self._paying = True
        try:
            receipt_no = self._record_sale(lines, customer_id, method)
            if not isinstance(receipt_no, str) or not receipt_no:
                raise CheckoutError(f"record_sale returned no receipt number ({receipt_no!r})")
        except Exception as exc:  # any failure to store the sale must not reach PAID
            log.exception("recording the sale failed")
            self._payment_failures += 1
            self._audit_event("checkout_payment_failed", {
                "error": type(exc).__name__, "customer_id": customer_id, "attempt": self._payment_failures,
                "total_won": self.counter.cart.total})
            if self._payment_failures >= self.config.max_payment_failures:
                self._leave_payment(Message.PAYMENT_FAILED)
            else:
                self._enter(S.CONFIRM, Message.PAYMENT_FAILED)
            self._emit()
            return False
        finally:
            self._paying = False
        self._paid_lines = lines
        self._receipt = Receipt.from_cart_lines(
            lines, store_name=self.store_name, receipt_no=receipt_no, issued_at=self._wall_clock(),
            payment_method=method, customer_name=name, lang=self.config.receipt_lang)
        log.info("checkout paid: receipt %s, %d won", receipt_no, self._receipt.total_won)
        self._enter(S.PAID, Message.PAID)
        self._emit()
        return True

    def cancel(self, reason: str = "customer") -> None:
        """Cancel from any state (see the module docstring for where it leads)."""
        self._require("cancel")
        if self._state is S.IDLE:
            return
        if self._state is S.PAID:
            self._finish_sale(Message.PLACE_ITEMS)
            return
        self._audit_event("checkout_cancel", {"reason": reason, **self._sale_detail()})
        if self._state is S.SCANNING:
            self._finish_sale(Message.CANCELLED)
        else:
            self._leave_payment(Message.CANCELLED)
        self._emit()

    def tick(self) -> None:
        """Call about once a second; handles the timeout of the current state."""
        self._require("tick")
        if self._deadline is None or self._now() < self._deadline:
            return
        state = self._state
        if state is S.PAID:
            self._finish_sale(Message.PLACE_ITEMS)
        elif state is S.LIVENESS:
            self._liveness_failed("timeout")
        else:
            self._audit_event("checkout_timeout", self._sale_detail())
            if state is S.SCANNING:
                self._finish_sale(Message.TIMED_OUT)
            else:
                self._leave_payment(Message.TIMED_OUT)
        self._emit()

    # -- attendant (operator PIN) ------------------------------------------------------------------
    def void_line(self, sku: str, pin: str) -> bool:
        self._require("void_line")
        if self.counter.cart.count_of(sku) == 0:
            raise KeyError(f"sku {sku!r} is not in the cart")
        if not self._pin_ok(pin, "void_line", sku=sku):
            return False
        line = self.counter.void(sku)
        self._audit_event("checkout_void_line", {"sku": sku, "count": line.count,
                                                 "line_total_won": line.line_total}, actor="attendant")
        if self.counter.cart.is_empty and self._state is not S.SCANNING:
            self._leave_payment(Message.VOIDED)
        elif self._state in (S.IDENTIFY, S.LIVENESS, S.CONFIRM):
            self._enter(S.REVIEW, Message.VOIDED)
        self._message = Message.VOIDED
        self._emit()
        return True

    def void_sale(self, pin: str) -> bool:
        self._require("void_sale")
        if not self._pin_ok(pin, "void_sale"):
            return False
        self._audit_event("checkout_void_sale", self._sale_detail(), actor="attendant")
        self._finish_sale(Message.VOIDED)
        return True

    def approve_age_restricted(self, pin: str) -> bool:
        self._require("approve_age_restricted")
        if not self._pin_ok(pin, "approve_age_restricted"):
            return False
        self._age_approved = True
        self._audit_event("checkout_age_approved", {"skus": list(self.counter.age_restricted_skus())},
                          actor="attendant")
        self._message = Message.APPROVED
        self._emit()
        return True

    def pick_candidate(self, detector_class: str, pin: str) -> bool:
        """Resolve the first unknown object as the catalog product of ``detector_class``."""
        return self._resolve_unknown(detector_class, pin, "pick_candidate")

    def dismiss_unknown(self, pin: str) -> bool:
        """Resolve the first unknown object as "not a product" (the customer's own thing)."""
        return self._resolve_unknown(None, pin, "dismiss_unknown")

    def _resolve_unknown(self, detector_class: str | None, pin: str, event: str) -> bool:
        self._require(event)
        if not self.counter.unresolved:
            raise CheckoutError("there is no unknown item to resolve")
        item = self.counter.unresolved[0]
        if detector_class is not None and not self.counter.catalog.by_class(detector_class).active:
            raise CheckoutError(f"detector class {detector_class!r} is not for sale")
        if not self._pin_ok(pin, event, detector_class=detector_class):
            return False
        product = self.counter.pick(detector_class)
        self._audit_event("checkout_unknown_resolved", {
            "reason": item.reason, "seen_class": item.detector_class, "picked_class": detector_class,
            "sku": product.sku if product else None,
            "offered": any(c.detector_class == detector_class for c in item.candidates)}, actor="attendant")
        self._audited_unknown = len(self.counter.unresolved)
        self._message = Message.ITEM_RESOLVED
        self._emit()
        return True

