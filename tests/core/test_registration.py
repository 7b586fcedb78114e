"""The registration wizard state machine, headless (the Electrum test_wizard.py pattern)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core.registration import (
    NAVIGATION,
    POSE_STEPS,
    FacePose,
    RegistrationError,
    RegistrationWizard,
    Step,
    validate_customer_id,
    validate_name,
)

CONSENT_TIME = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
TEMPLATE = [0.1] * 128


def make_wizard(taken: set[str] | None = None, **kwargs) -> RegistrationWizard:
    taken = taken if taken is not None else {"TAKEN-1"}
    return RegistrationWizard(id_exists=taken.__contains__, backend="dlib", clock=lambda: CONSENT_TIME,
                              **kwargs)


def capture(wizard: RegistrationWizard, pose: str | None, **kwargs):
    args = {"quality_ok": True, "template": TEMPLATE} | kwargs
    return wizard.submit_capture(pose=pose, **args)


def to_front(wizard: RegistrationWizard) -> None:
    wizard.give_consent(True)
    wizard.next()
    assert wizard.set_details("김민수", "C-1001", "1234") == {}
    wizard.next()
    assert wizard.step is Step.FRONT


def test_happy_path():
    wizard = make_wizard()
    to_front(wizard)
    for step in POSE_STEPS:
        assert wizard.step is step
        verdict = capture(wizard, step.value, template=[float(len(step.value))] * 128)
        assert verdict.accepted and verdict.reason == "ok"
        wizard.next()
    assert wizard.step is Step.SUMMARY
    result = wizard.finish()
    assert wizard.step is Step.DONE
    assert (result.customer_id, result.name, result.phone_last4) == ("C-1001", "김민수", "1234")
    assert result.consent_at == CONSENT_TIME and result.backend == "dlib"
    assert list(result.templates) == [FacePose.FRONT, FacePose.RIGHT, FacePose.DOWN, FacePose.LEFT]
    assert result.templates[FacePose.RIGHT] == (5.0,) * 128
    assert result.images == {} and result.duplicate_of is None


def test_navigation_map_is_consistent():
    for step, moves in NAVIGATION.items():
        target = moves["next"]
        if target is not None and step is not Step.SUMMARY:
            assert NAVIGATION[target]["back"] is step


def test_back_keeps_details_and_captures_and_recapture_replaces():
    wizard = make_wizard()
    to_front(wizard)
    capture(wizard, "front", template=[1.0] * 128)
    wizard.next()
    assert wizard.back() is Step.FRONT
    assert wizard.can_go_next()  # the capture is still there
    capture(wizard, "front", template=[2.0] * 128)
    assert wizard.back() is Step.DETAILS and wizard.customer_id == "C-1001"
    assert wizard.back() is Step.CONSENT
    with pytest.raises(RegistrationError):
        wizard.back()
    wizard.next()
    wizard.next()
    assert wizard.captures[FacePose.FRONT].template == (2.0,) * 128


def test_cancel_from_anywhere_drops_everything():
    wizard = make_wizard()
    to_front(wizard)
    capture(wizard, "front")
    wizard.cancel()
    assert wizard.step is Step.CANCELLED and not wizard.captures and wizard.consent_at is None
    with pytest.raises(RegistrationError):
        wizard.next()
    with pytest.raises(RegistrationError):
        wizard.back()


def test_no_consent_no_registration():
    wizard = make_wizard()
    assert not wizard.can_go_next()
    wizard.give_consent(False)
    with pytest.raises(RegistrationError):
        wizard.next()
    with pytest.raises(RegistrationError):
        wizard.set_details("Kim", "C-1")  # wrong step


@pytest.mark.parametrize(("name", "customer_id", "field"), [
    ("K", "C-1001", "name"), ("x" * 41, "C-1001", "name"), ("Kim\x07", "C-1001", "name"),
    ("Kim", "C1", "customer_id"), ("Kim", "C 1001", "customer_id"), ("Kim", "C_1001", "customer_id"),
    ("Kim", "A" * 21, "customer_id"), ("Kim", "C-1001\n", "customer_id"),
])
def test_invalid_details_are_refused_with_the_field_named(name, customer_id, field):
    wizard = make_wizard()
    wizard.give_consent(True)
    wizard.next()
    errors = wizard.set_details(name, customer_id)
    assert field in errors
    assert not wizard.can_go_next()


def test_invalid_phone_digits():
    wizard = make_wizard()
    wizard.give_consent(True)
    wizard.next()
    assert "phone_last4" in wizard.set_details("Kim", "C-1001", "12a4")
    assert wizard.set_details("Kim", "C-1001", "") == {} and wizard.phone_last4 is None


def test_duplicate_customer_id_is_refused_even_if_taken_meanwhile():
    taken = {"TAKEN-1"}
    wizard = make_wizard(taken)
    wizard.give_consent(True)
    wizard.next()
    assert "already registered" in wizard.set_details("Kim", "TAKEN-1")["customer_id"]
    assert wizard.set_details("Kim", "NEW-1") == {}
    taken.add("NEW-1")  # another kiosk registered it first
    with pytest.raises(RegistrationError, match="already registered"):
        wizard.next()


def test_validators():
    assert validate_name("  이영희  ") is None and validate_name("Ann") is None
    assert validate_customer_id("abc-123") is None and validate_customer_id("ab") is not None


def test_wrong_pose_is_rejected_with_a_reason():
    wizard = make_wizard()
    to_front(wizard)
    capture(wizard, "front")
    wizard.next()  # RIGHT
    verdict = capture(wizard, "left")
    assert not verdict.accepted and verdict.reason == "wrong_pose" and "right" in verdict.message
    assert not capture(wizard, None).accepted  # in between two poses
    assert not wizard.can_go_next()
    with pytest.raises(RegistrationError):
        wizard.next()
    assert capture(wizard, "right").accepted


def test_bad_quality_is_rejected_with_the_vision_reason():
    wizard = make_wizard()
    to_front(wizard)
    verdict = capture(wizard, "front", quality_ok=False, quality_reason="blurred")
    assert not verdict.accepted and verdict.reason == "blurred"


def test_capture_outside_a_pose_step_and_mixed_template_sizes():
    wizard = make_wizard()
    with pytest.raises(RegistrationError):
        capture(wizard, "front")
    to_front(wizard)
    capture(wizard, "front")
    wizard.next()
    with pytest.raises(ValueError):
        capture(wizard, "right", template=[0.1] * 512)


def test_duplicate_face_is_flagged_and_needs_an_operator():
    wizard = make_wizard()
    to_front(wizard)
    verdict = capture(wizard, "front", duplicate_of="C-0007")
    assert verdict.accepted and verdict.reason == "duplicate_face" and verdict.duplicate_of == "C-0007"
    wizard.next()
    for step in POSE_STEPS[1:]:
        capture(wizard, step.value)
        wizard.next()
    assert wizard.result().duplicate_of == "C-0007"
    with pytest.raises(RegistrationError, match="C-0007"):
        wizard.finish()
    with pytest.raises(RegistrationError, match="operator"):
        wizard.next()  # not around the check either
    assert wizard.finish(allow_duplicate=True).duplicate_of == "C-0007"


def test_face_images_are_kept_only_when_the_operator_turned_it_on():
    for keep in (False, True):
        wizard = make_wizard(keep_images=keep)
        to_front(wizard)
        for step in POSE_STEPS:
            capture(wizard, step.value, image=b"jpeg-bytes")
            wizard.next()
        images = wizard.finish().images
        assert (images == {}) is not keep
        assert not keep or set(images) == set(FacePose)


def test_result_is_not_available_before_the_summary():
    wizard = make_wizard()
    with pytest.raises(RegistrationError):
        wizard.result()
    with pytest.raises(ValueError):
        RegistrationWizard(id_exists=lambda _: False, backend="")
