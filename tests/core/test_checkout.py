"""The checkout state machine, headless, with a fake clock, a fake store and a fake PIN check."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest

from app.core.cart import CartLine
from app.core.catalog import Catalog, Product
from app.core.checkout import (
    NAVIGATION,
    AttendantReason,
    Checkout,
    CheckoutConfig,
    CheckoutError,
    CheckoutSnapshot,
    CheckoutState,
    InvalidTransition,
    Message,
)
from app.core.counting import Verdict
from app.core.face_pay import decide_face_pay

S = CheckoutState
PIN = "2468"
PAID_AT = datetime(2026, 11, 23, 10, 30, 5)
CATALOG = Catalog([
    Product("P-001", "신라면", "Shin Ramyun", 1200, "ramen"),
    Product("P-002", "코카콜라", "Coca-Cola", 1500, "cola"),
    Product("P-003", "카스 맥주", "Cass Beer", 3000, "beer", age_restricted=True),
    Product("P-004", "껌", "Gum", 500, "gum", active=False),
])


class Kiosk:
    """A checkout wired to fakes: ``t`` is the clock, ``audits``/``sales`` record the calls."""

    def __init__(self, **config: Any) -> None:
        self.t = 1000.0
        self.audits: list[tuple[str, dict[str, Any], str]] = []
        self.sales: list[tuple[tuple[CartLine, ...], str | None, str]] = []
        self.sale_error: Exception | None = None
        self.receipt_no: object = None
        self.checkout = Checkout(CATALOG, record_sale=self.record_sale, audit=self.audit,
                                 verify_pin=lambda pin: pin == PIN, now=lambda: self.t,
                                 wall_clock=lambda: PAID_AT, config=CheckoutConfig(**config),
                                 store_name="테스트 마트")
        self.snapshots: list[CheckoutSnapshot] = []
        self.checkout.add_listener(self.snapshots.append)

    def record_sale(self, lines: Sequence[CartLine], customer_id: str | None, method: str) -> str:
        self.sales.append((tuple(lines), customer_id, method))
        if self.sale_error is not None:
            raise self.sale_error
        return self.receipt_no if self.receipt_no is not None else f"R20261123-{len(self.sales):06d}"

    def audit(self, kind: str, detail: dict[str, Any], actor: str = "kiosk") -> None:
        json.dumps(detail)  # the store keeps details as JSON
        self.audits.append((kind, detail, actor))

    def kinds(self) -> list[str]:
        return [kind for kind, _, _ in self.audits]

    def show(self, frames: int = 1, candidates: Sequence[Sequence[tuple[str, float]]] = (),
             uncertain: int = 0, overlapped: bool = False, **counts: int) -> None:
        for _ in range(frames):
            self.checkout.items_changed(Verdict(dict(counts), settling=False, uncertain=uncertain),
                                        candidates=candidates, overlapped=overlapped)

    def settling(self) -> None:
        self.checkout.items_changed(Verdict(None, settling=True, uncertain=0))

    @property
    def snap(self) -> CheckoutSnapshot:
        return self.checkout.snapshot

    def drive_to(self, state: CheckoutState) -> Kiosk:
        """Follow the happy path from IDLE with 2 ramen + 1 cola until ``state``."""
        co = self.checkout
        steps = [
            (S.SCANNING, lambda: self.show(ramen=2, cola=1)),
            (S.REVIEW, co.request_review),
            (S.IDENTIFY, co.confirm_list),
            (S.LIVENESS, lambda: co.face_identified("C-1001", "김민수", 0.97)),
            (S.CONFIRM, lambda: co.liveness_result(True, "ok")),
            (S.PAID, co.customer_confirmed),
        ]
        for target, step in steps:
            if co.state is state:
                break
            step()
            assert co.state is target
        assert co.state is state
        return self


def lines_of(snapshot: CheckoutSnapshot) -> dict[str, int]:
    return {line.product.sku: line.count for line in snapshot.lines}


# -- the happy path ----------------------------------------------------------------------------------
def test_happy_path_through_every_state_and_back_to_idle():
    k = Kiosk()
    assert k.snap.state is S.IDLE and k.snap.message is Message.PLACE_ITEMS
    k.drive_to(S.PAID)
    states = [s.state for s in k.snapshots]
    visited = [state for i, state in enumerate(states) if i == 0 or state is not states[i - 1]]
    assert visited == [S.SCANNING, S.REVIEW, S.IDENTIFY, S.LIVENESS, S.CONFIRM, S.PAID]
    assert len(k.sales) == 1
    lines, customer_id, method = k.sales[0]
    assert {ln.product.sku: ln.count for ln in lines} == {"P-001": 2, "P-002": 1}
    assert (customer_id, method) == ("C-1001", "face")
    snap = k.snap
    assert snap.receipt_no == "R20261123-000001" and snap.receipt is not None
    assert (snap.total_won, snap.item_count, snap.customer_name) == (3900, 3, "김민수")
    assert lines_of(snap) == {"P-001": 2, "P-002": 1}
    assert snap.receipt.issued_at == PAID_AT and snap.receipt.total_won == 3900
    assert snap.receipt.store_name == "테스트 마트" and snap.receipt.customer_name == "김민수"
    assert snap.deadline == k.t + 10
    k.t += 9.9
    k.checkout.tick()
    assert k.checkout.state is S.PAID
    k.t += 0.1
    k.checkout.tick()
    assert k.snap.state is S.IDLE and k.snap.receipt is None and k.snap.lines == ()
    # The paid items are still on the counter: they must not start a new sale by themselves.
    assert k.snap.awaiting_clear and k.snap.message is Message.TAKE_ITEMS
    k.show(ramen=2, cola=1)
    assert k.checkout.state is S.IDLE
    k.show()
    assert not k.snap.awaiting_clear and k.snap.message is Message.PLACE_ITEMS
    k.show(cola=1)
    assert k.checkout.state is S.SCANNING and lines_of(k.snap) == {"P-002": 1}


def test_counter_emptied_before_paid_timeout_goes_straight_to_place_items():
    k = Kiosk().drive_to(S.PAID)
    k.show()  # the customer takes everything while the paid screen shows
    assert k.checkout.state is S.PAID and lines_of(k.snap) == {"P-001": 2, "P-002": 1}
    k.checkout.cancel()  # the "done" button
    assert k.snap.state is S.IDLE and not k.snap.awaiting_clear


def test_scanning_returns_to_idle_when_the_counter_is_emptied():
    k = Kiosk()
    k.show(ramen=1)
    assert k.checkout.state is S.SCANNING
    k.show()
    assert k.checkout.state is S.IDLE and k.kinds() == []


def test_listeners_only_hear_changes():
    k = Kiosk()
    k.show(frames=10, ramen=1)
    assert len(k.snapshots) == 1
    k.checkout.tick()
    assert len(k.snapshots) == 1


# -- record_sale -----------------------------------------------------------------------------------
def test_record_sale_called_exactly_once():
    k = Kiosk().drive_to(S.PAID)
    assert k.checkout.customer_confirmed() is False
    assert len(k.sales) == 1 and k.snap.receipt_no == "R20261123-000001"


def test_confirm_inside_record_sale_is_ignored():
    k = Kiosk().drive_to(S.CONFIRM)
    inner: list[bool] = []
    original = k.record_sale

    def reentrant(lines, customer_id, method):
        inner.append(k.checkout.customer_confirmed())
        return original(lines, customer_id, method)

    k.checkout._record_sale = reentrant
    assert k.checkout.customer_confirmed() is True
    assert inner == [False] and len(k.sales) == 1 and k.checkout.state is S.PAID


def test_record_sale_failure_never_reaches_paid():
    k = Kiosk().drive_to(S.CONFIRM)
    k.sale_error = RuntimeError("disk full")
    assert k.checkout.customer_confirmed() is False
    assert k.snap.state is S.CONFIRM and k.snap.message is Message.PAYMENT_FAILED
    assert k.snap.receipt is None and k.snap.receipt_no is None
    assert k.audits[-1][0] == "checkout_payment_failed"
    assert k.audits[-1][1]["error"] == "RuntimeError" and k.audits[-1][1]["attempt"] == 1
    assert k.checkout.customer_confirmed() is False  # the second failure gives up
    assert k.snap.state is S.SCANNING and k.snap.message is Message.PAYMENT_FAILED
    assert all(s.state is not S.PAID for s in k.snapshots)
    assert len(k.sales) == 2


def test_payment_retry_after_a_failure():
    k = Kiosk().drive_to(S.CONFIRM)
    k.sale_error = OSError("database is locked")
    k.checkout.customer_confirmed()
    k.sale_error = None
    assert k.checkout.customer_confirmed() is True
    assert k.snap.state is S.PAID and k.snap.receipt_no == "R20261123-000002"


@pytest.mark.parametrize("bad", ["", 42])
def test_record_sale_without_receipt_number_is_a_failure(bad):
    k = Kiosk().drive_to(S.CONFIRM)
    k.receipt_no = bad
    assert k.checkout.customer_confirmed() is False
    assert k.checkout.state is not S.PAID and k.snap.receipt is None


# -- cancel and timeouts ---------------------------------------------------------------------------
@pytest.mark.parametrize(("state", "expected"), [
    (S.IDLE, S.IDLE), (S.SCANNING, S.IDLE), (S.REVIEW, S.SCANNING), (S.IDENTIFY, S.SCANNING),
    (S.LIVENESS, S.SCANNING), (S.CONFIRM, S.SCANNING), (S.PAID, S.IDLE)])
def test_cancel_from_every_state(state, expected):
    k = Kiosk().drive_to(state)
    before = len(k.audits)
    k.checkout.cancel("customer")
    assert k.checkout.state is expected
    if expected is S.SCANNING:  # out of the payment, back to the cart on the counter
        assert lines_of(k.snap) == {"P-001": 2, "P-002": 1} and k.snap.customer_id is None
    if state in (S.IDLE, S.PAID):
        assert len(k.audits) == before
    else:
        assert k.audits[-1][0] == "checkout_cancel" and k.audits[-1][1]["state"] == state.value
    if state is S.SCANNING:  # the sale is abandoned: the items left on the counter start nothing
        assert k.snap.awaiting_clear and k.snap.message is Message.CANCELLED
        k.show(ramen=2, cola=1)
        assert k.checkout.state is S.IDLE


@pytest.mark.parametrize(("state", "seconds", "expected", "kind"), [
    (S.SCANNING, 300, S.IDLE, "checkout_timeout"),
    (S.REVIEW, 60, S.SCANNING, "checkout_timeout"),
    (S.IDENTIFY, 20, S.SCANNING, "checkout_timeout"),
    (S.LIVENESS, 8, S.IDENTIFY, "checkout_liveness_failed"),
    (S.CONFIRM, 30, S.SCANNING, "checkout_timeout"),
    (S.PAID, 10, S.IDLE, None)])
def test_timeout_from_every_timed_state(state, seconds, expected, kind):
    k = Kiosk().drive_to(state)
    assert k.snap.deadline == pytest.approx(k.t + seconds)
    k.t += seconds - 0.01
    k.checkout.tick()
    assert k.checkout.state is state
    k.t += 0.01
    k.checkout.tick()
    assert k.checkout.state is expected
    if kind is not None:
        assert k.audits[-1][0] == kind
    if kind == "checkout_liveness_failed":
        assert k.audits[-1][1]["reason"] == "timeout"
    elif kind is not None:
        assert k.audits[-1][1]["state"] == state.value and k.snap.message is Message.TIMED_OUT


def test_idle_has_no_timeout():
    k = Kiosk()
    assert k.snap.deadline is None
    k.t += 1e6
    k.checkout.tick()
    assert k.checkout.state is S.IDLE


def test_counter_activity_restarts_the_scanning_timeout():
    k = Kiosk().drive_to(S.SCANNING)
    k.t += 250
    k.show(ramen=3, cola=1)
    k.t += 250
    k.checkout.tick()
    assert k.checkout.state is S.SCANNING
    k.t += 50
    k.checkout.tick()
    assert k.checkout.state is S.IDLE


# -- navigation --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("state", "call"), [
    (S.IDLE, lambda co: co.request_review()),
    (S.IDLE, lambda co: co.void_sale(PIN)),
    (S.SCANNING, lambda co: co.confirm_list()),
    (S.SCANNING, lambda co: co.customer_confirmed()),
    (S.REVIEW, lambda co: co.face_identified("C-1", "x", 0.99)),
    (S.IDENTIFY, lambda co: co.liveness_result(True)),
    (S.LIVENESS, lambda co: co.customer_confirmed()),
    (S.CONFIRM, lambda co: co.request_review()),
    (S.PAID, lambda co: co.void_line("P-001", PIN)),
    (S.PAID, lambda co: co.approve_age_restricted(PIN))])
def test_invalid_transitions_raise(state, call):
    k = Kiosk().drive_to(state)
    with pytest.raises(InvalidTransition, match=f"state '{state.value}'"):
        call(k.checkout)
    assert k.checkout.state is state


def test_navigation_map_names_real_events():
    assert set(NAVIGATION) == set(CheckoutState)
    for events in NAVIGATION.values():
        assert {"cancel", "tick", "items_changed"} <= set(events)
        for event in events:
            assert callable(getattr(Checkout, event))


# -- attendant -----------------------------------------------------------------------------------------
def test_void_line_needs_the_right_pin():
    k = Kiosk().drive_to(S.SCANNING)
    assert k.checkout.void_line("P-002", "0000") is False
    assert lines_of(k.snap) == {"P-001": 2, "P-002": 1} and k.snap.message is Message.PIN_REFUSED
    assert k.audits[-1] == ("checkout_pin_refused", {"action": "void_line", "sku": "P-002"}, "kiosk")
    assert k.checkout.void_line("P-002", PIN) is True
    assert lines_of(k.snap) == {"P-001": 2} and k.snap.voided_skus == ("P-002",)
    assert k.audits[-1] == ("checkout_void_line", {"sku": "P-002", "count": 1, "line_total_won": 1500},
                            "attendant")
    k.show(ramen=2, cola=1)  # the voided item still lies on the counter
    assert lines_of(k.snap) == {"P-001": 2}
    with pytest.raises(KeyError):
        k.checkout.void_line("P-002", PIN)


def test_void_line_during_payment_goes_back_to_review():
    k = Kiosk().drive_to(S.CONFIRM)
    assert k.checkout.void_line("P-001", PIN) is True
    assert k.snap.state is S.REVIEW and lines_of(k.snap) == {"P-002": 1} and k.snap.customer_id is None


def test_void_sale_needs_the_right_pin():
    k = Kiosk().drive_to(S.IDENTIFY)
    assert k.checkout.void_sale("1111") is False
    assert k.checkout.state is S.IDENTIFY and k.kinds()[-1] == "checkout_pin_refused"
    assert k.checkout.void_sale(PIN) is True
    assert k.snap.state is S.IDLE and k.snap.awaiting_clear and k.snap.message is Message.VOIDED
    assert k.audits[-1] == ("checkout_void_sale", {"state": "identify", "lines": 2, "total_won": 3900},
                            "attendant")
    k.show(ramen=2, cola=1)
    assert k.checkout.state is S.IDLE
    assert k.sales == []


def test_age_restricted_product_blocks_review_until_approved():
    k = Kiosk()
    k.show(frames=5, ramen=1, beer=1)
    assert k.snap.attendant_reasons == (AttendantReason.AGE_CHECK,) and k.snap.attendant_needed
    assert k.snap.age_restricted_skus == ("P-003",) and not k.snap.can_review
    assert k.kinds() == ["checkout_age_check"]  # once, not once per frame
    assert k.checkout.request_review() is False
    assert k.checkout.state is S.SCANNING and k.snap.message is Message.ATTENDANT_NEEDED
    assert k.checkout.approve_age_restricted("9999") is False
    assert k.snap.attendant_needed
    assert k.checkout.approve_age_restricted(PIN) is True
    assert k.audits[-1] == ("checkout_age_approved", {"skus": ["P-003"]}, "attendant")
    assert not k.snap.attendant_needed and k.snap.can_review
    assert k.checkout.request_review() is True


UNSURE = [[("cola", 0.41), ("ghost", 0.38), ("beer", 0.2), ("ramen", 0.1)]]


def test_unknown_item_shows_candidates_and_must_be_resolved():
    k = Kiosk()
    k.show(frames=2, ramen=1, uncertain=1, candidates=UNSURE)
    assert k.snap.unknown_items == 0  # one or two odd frames raise nothing
    k.show(ramen=1, uncertain=1, candidates=UNSURE)
    snap = k.snap
    assert snap.attendant_reasons == (AttendantReason.UNKNOWN_ITEM,) and snap.unknown_items == 1
    assert [c.detector_class for c in snap.candidates] == ["cola", "beer", "ramen"]  # ghost: no product
    assert snap.candidates[0].name_ko == "코카콜라" and snap.candidates[0].score == 0.41
    assert k.checkout.request_review() is False and k.snap.message is Message.ATTENDANT_NEEDED
    assert k.kinds() == ["checkout_unknown_item"]
    assert k.audits[-1][1]["candidates"] == ["cola", "beer", "ramen"]
    with pytest.raises(KeyError):
        k.checkout.pick_candidate("ghost", PIN)
    assert k.checkout.pick_candidate("cola", "0000") is False and k.snap.unknown_items == 1
    assert k.checkout.pick_candidate("cola", PIN) is True
    assert lines_of(k.snap) == {"P-001": 1, "P-002": 1} and not k.snap.attendant_needed
    assert k.audits[-1][1] == {"reason": "uncertain", "seen_class": None, "picked_class": "cola",
                               "sku": "P-002", "offered": True}
    k.show(frames=5, ramen=1, uncertain=1, candidates=UNSURE)  # the object is still unsure: still cola
    assert lines_of(k.snap) == {"P-001": 1, "P-002": 1} and k.kinds().count("checkout_unknown_item") == 1
    with pytest.raises(CheckoutError):
        k.checkout.pick_candidate("ramen", PIN)  # nothing left to resolve
    assert k.checkout.request_review() is True


def test_unknown_object_dismissed_and_classes_not_for_sale():
    k = Kiosk()
    k.show(frames=3, ramen=1, ghost=1, gum=1)
    assert k.snap.unknown_items == 2 and lines_of(k.snap) == {"P-001": 1}
    reasons = [r for kind, d, _ in k.audits if kind == "checkout_unknown_item" for r in d["reasons"]]
    assert sorted(reasons) == ["not_for_sale", "not_in_catalog"]
    with pytest.raises(CheckoutError):
        k.checkout.pick_candidate("gum", PIN)  # inactive product
    assert k.checkout.dismiss_unknown(PIN) and k.checkout.dismiss_unknown(PIN)
    assert not k.snap.attendant_needed and lines_of(k.snap) == {"P-001": 1}


def test_resolved_unknown_is_forgotten_when_the_object_goes():
    k = Kiosk()
    k.show(frames=3, ramen=1, uncertain=1, candidates=UNSURE)
    k.checkout.pick_candidate("cola", PIN)
    k.show(frames=3, ramen=1)  # the object was taken away
    assert lines_of(k.snap) == {"P-001": 1}
    k.show(frames=3, ramen=1, uncertain=1, candidates=UNSURE)  # a new unsure object needs a new decision
    assert k.snap.unknown_items == 1 and k.snap.attendant_needed


# -- face and liveness ---------------------------------------------------------------------------------
def test_liveness_failure_retries_then_cancels():
    k = Kiosk().drive_to(S.LIVENESS)
    for attempt in (1, 2):
        k.checkout.liveness_result(False, "no_motion")
        assert k.snap.state is S.IDENTIFY and k.snap.message is Message.LIVENESS_FAILED
        assert k.snap.liveness_failures == attempt and k.snap.customer_id is None
        detail = {"reason": "no_motion", "failures": attempt, "customer_id": "C-1001"}
        assert k.audits[-1] == ("checkout_liveness_failed", detail, "kiosk")
        k.checkout.face_identified("C-1001", "김민수", 0.96)
    k.checkout.liveness_result(False, "frozen")
    assert k.snap.state is S.SCANNING and k.snap.message is Message.LIVENESS_FAILED
    assert k.audits[-1][0] == "checkout_cancel" and k.audits[-1][1]["reason"] == "liveness_failed"
    assert k.sales == []


def test_face_decision_with_phone_digits():
    k = Kiosk().drive_to(S.IDENTIFY)
    with pytest.raises(CheckoutError):
        k.checkout.enter_phone_last4("12a4")
    k.checkout.enter_phone_last4("5678")
    assert k.checkout.phone_last4 == "5678" and k.snap.phone_last4_entered
    scores = {"C-1001": 0.96, "C-2002": 0.95}
    phones = {"C-1001": "5678", "C-2002": "1111"}
    one_to_n = decide_face_pay(scores, threshold=0.94, margin=0.03)
    with pytest.raises(CheckoutError):
        k.checkout.face_decision(one_to_n, "김민수")  # the digits were ignored
    assert not one_to_n.accepted  # ambiguous without the digits
    wrong = decide_face_pay(scores, threshold=0.94, margin=0.03, phones=phones, phone_last4="1111")
    k.checkout.face_decision(wrong, None)
    assert k.snap.state is S.IDENTIFY and k.snap.message is Message.FACE_NOT_RECOGNISED
    assert k.audits[-1] == ("checkout_face_unknown", {"reason": "ambiguous"}, "kiosk")
    decision = decide_face_pay(scores, threshold=0.94, margin=0.03, phones=phones, phone_last4="5678")
    k.checkout.face_decision(decision, "김민수")
    assert k.snap.state is S.LIVENESS and (k.snap.customer_id, k.snap.customer_name) == ("C-1001", "김민수")
    assert k.audits[-1] == ("checkout_face_identified",
                            {"customer_id": "C-1001", "score": 0.96, "phone_digits": True}, "kiosk")


# -- the counter during payment --------------------------------------------------------------------
@pytest.mark.parametrize("state", [S.REVIEW, S.IDENTIFY, S.LIVENESS, S.CONFIRM])
def test_items_changing_during_payment_go_back_to_scanning(state):
    k = Kiosk().drive_to(state)
    k.show(frames=3, ramen=2, cola=1)  # the same counts again change nothing
    assert k.checkout.state is state
    k.settling()  # a hand passes over the counter
    assert k.checkout.state is state and k.snap.settling
    k.show(ramen=2, cola=2)
    assert k.snap.state is S.SCANNING and k.snap.message is Message.ITEMS_CHANGED
    assert lines_of(k.snap) == {"P-001": 2, "P-002": 2} and k.snap.customer_id is None
    assert k.audits[-1] == ("checkout_items_changed", {"state": state.value}, "kiosk")


def test_settling_and_stacked_items_hold_the_cart():
    k = Kiosk().drive_to(S.SCANNING)
    k.settling()
    assert k.snap.settling and lines_of(k.snap) == {"P-001": 2, "P-002": 1} and not k.snap.can_review
    assert k.checkout.request_review() is False and k.snap.message is Message.HOLD_ON
    k.show(ramen=5, overlapped=True)  # stacked: no guess
    assert k.snap.spread_items and not k.snap.settling and lines_of(k.snap) == {"P-001": 2, "P-002": 1}
    assert k.checkout.request_review() is False and k.snap.message is Message.SPREAD_ITEMS
    k.show(ramen=3)
    assert not k.snap.spread_items and not k.snap.settling and lines_of(k.snap) == {"P-001": 3}
    assert k.checkout.request_review() is True


def test_confirm_refused_while_items_move():
    k = Kiosk().drive_to(S.CONFIRM)
    k.settling()
    assert k.checkout.customer_confirmed() is False and k.snap.message is Message.HOLD_ON
    assert k.sales == []


def test_a_failing_audit_or_listener_does_not_stop_the_checkout():
    k = Kiosk()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("audit database gone")

    k.checkout._audit = broken
    k.checkout.add_listener(lambda snapshot: 1 / 0)
    k.drive_to(S.CONFIRM)
    k.checkout.cancel()
    assert k.checkout.state is S.SCANNING
