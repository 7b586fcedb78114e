"""The customer registration wizard as a plain state machine (the Qt pages come later and stay thin).

Steps: CONSENT → DETAILS → FRONT → RIGHT → DOWN → LEFT → SUMMARY → DONE, with ``back`` along the same
path and ``cancel`` from anywhere before DONE (the Electrum ``wizard.py`` navigation-map pattern). The
vision side estimates the pose and the quality of each capture; this module only decides whether the
capture fits the current step. Pose names follow :class:`FacePose`: "right" means the customer turns
to THEIR right (see ``app.vision.faces.pose`` for how that maps onto a mirrored or raw camera image).
"""

from __future__ import annotations

import enum
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

log = logging.getLogger(__name__)

NAME_MIN, NAME_MAX = 2, 40
CUSTOMER_ID_RE = re.compile(r"[A-Za-z0-9-]{3,20}")
PHONE_LAST4_RE = re.compile(r"[0-9]{4}")


class FacePose(enum.StrEnum):
    """A head pose asked for during registration. RIGHT/LEFT are the customer's own right/left."""

    FRONT = "front"
    RIGHT = "right"
    DOWN = "down"
    LEFT = "left"


class Step(enum.StrEnum):
    CONSENT = "consent"
    DETAILS = "details"
    FRONT = "front"
    RIGHT = "right"
    DOWN = "down"
    LEFT = "left"
    SUMMARY = "summary"
    DONE = "done"
    CANCELLED = "cancelled"


POSE_STEPS: tuple[Step, ...] = (Step.FRONT, Step.RIGHT, Step.DOWN, Step.LEFT)
STEP_POSE: Mapping[Step, FacePose] = {step: FacePose(step.value) for step in POSE_STEPS}

# The navigation map: where ``next`` and ``back`` lead from each step (None: not allowed).
NAVIGATION: Mapping[Step, Mapping[str, Step | None]] = {
    Step.CONSENT: {"next": Step.DETAILS, "back": None},
    Step.DETAILS: {"next": Step.FRONT, "back": Step.CONSENT},
    Step.FRONT: {"next": Step.RIGHT, "back": Step.DETAILS},
    Step.RIGHT: {"next": Step.DOWN, "back": Step.FRONT},
    Step.DOWN: {"next": Step.LEFT, "back": Step.RIGHT},
    Step.LEFT: {"next": Step.SUMMARY, "back": Step.DOWN},
    Step.SUMMARY: {"next": Step.DONE, "back": Step.LEFT},
    Step.DONE: {"next": None, "back": None},
    Step.CANCELLED: {"next": None, "back": None},
}


class RegistrationError(ValueError):
    """A wizard action that is not allowed now (the message says why)."""


@dataclass(frozen=True)
class CaptureVerdict:
    """Whether a capture was taken for the current pose step; ``reason`` is a machine code for the UI."""

    accepted: bool
    reason: str
    message: str
    duplicate_of: str | None = None


@dataclass(frozen=True)
class Capture:
    pose: FacePose
    template: tuple[float, ...]
    image: bytes | None = None


@dataclass(frozen=True)
class RegistrationResult:
    """What gets stored: no face image unless the operator turned ``keep_images`` on."""

    customer_id: str
    name: str
    phone_last4: str | None
    consent_at: datetime
    backend: str
    templates: Mapping[FacePose, tuple[float, ...]]
    images: Mapping[FacePose, bytes] = field(default_factory=dict)
    duplicate_of: str | None = None


def validate_name(name: str) -> str | None:
    """None when the name is fine, else an English message."""
    stripped = name.strip()
    if not NAME_MIN <= len(stripped) <= NAME_MAX:
        return f"The name must be {NAME_MIN}-{NAME_MAX} characters."
    if any(unicodedata.category(ch).startswith("C") for ch in stripped):
        return "The name must not contain control characters."
    return None


def validate_customer_id(customer_id: str) -> str | None:
    if not CUSTOMER_ID_RE.fullmatch(customer_id):
        return "The customer ID must be 3-20 letters, digits or '-'."
    return None


class RegistrationWizard:
    """One registration from consent to DONE. ``id_exists`` says whether a customer ID is taken."""

    def __init__(self, *, id_exists: Callable[[str], bool], backend: str, keep_images: bool = False,
                 clock: Callable[[], datetime] | None = None) -> None:
        if not backend:
            raise ValueError("backend must name the face embedder")
        self._id_exists = id_exists
        self._clock = clock or (lambda: datetime.now(UTC))
        self.backend = backend
        self.keep_images = keep_images
        self.step = Step.CONSENT
        self.consent_at: datetime | None = None
        self.name = ""
        self.customer_id = ""
        self.phone_last4: str | None = None
        self.captures: dict[FacePose, Capture] = {}
        self.duplicates: dict[FacePose, str] = {}
        self.duplicate_confirmed = False  # an operator accepted a face that matches another customer

    # -- navigation ------------------------------------------------------------------------------
    def can_go_next(self) -> bool:
        step = self.step
        if step is Step.CONSENT:
            return self.consent_at is not None
        if step is Step.DETAILS:
            return bool(self.customer_id) and bool(self.name)
        if step in STEP_POSE:
            return STEP_POSE[step] in self.captures
        return step is Step.SUMMARY and (self.duplicate_of is None or self.duplicate_confirmed)

    def next(self) -> Step:
        target = NAVIGATION[self.step]["next"]
        if self.step is Step.SUMMARY and not self.can_go_next():
            raise RegistrationError(f"this face already matches customer {self.duplicate_of!r}; "
                                    "an operator must confirm")
        if target is None or not self.can_go_next():
            raise RegistrationError(f"cannot go on from step {self.step.value!r} yet")
        if self.step is Step.DETAILS and self._id_exists(self.customer_id):  # taken meanwhile
            raise RegistrationError(f"customer ID {self.customer_id!r} is already registered")
        self.step = target
        log.debug("registration: step %s", target.value)
        return target

    def back(self) -> Step:
        target = NAVIGATION[self.step]["back"]
        if target is None:
            raise RegistrationError(f"cannot go back from step {self.step.value!r}")
        self.step = target
        return target

    def cancel(self) -> None:
        """Abandon the registration; everything captured is dropped."""
        if self.step is Step.DONE:
            raise RegistrationError("the registration is already finished")
        self.step = Step.CANCELLED
        self.captures.clear()
        self.duplicates.clear()
        self.consent_at = None

    # -- steps -----------------------------------------------------------------------------------
    def give_consent(self, agreed: bool) -> None:
        self._require(Step.CONSENT)
        self.consent_at = self._clock() if agreed else None

    def set_details(self, name: str, customer_id: str, phone_last4: str | None = None) -> dict[str, str]:
        """Validate and keep the details; returns field → message for every problem (empty: all fine)."""
        self._require(Step.DETAILS)
        errors: dict[str, str] = {}
        if (problem := validate_name(name)) is not None:
            errors["name"] = problem
        if (problem := validate_customer_id(customer_id)) is not None:
            errors["customer_id"] = problem
        elif self._id_exists(customer_id):
            errors["customer_id"] = f"The customer ID {customer_id} is already registered."
        if phone_last4 and not PHONE_LAST4_RE.fullmatch(phone_last4):
            errors["phone_last4"] = "Enter exactly the last four digits of the phone number."
        if errors:
            self.name, self.customer_id = "", ""
            return errors
        self.name, self.customer_id, self.phone_last4 = name.strip(), customer_id, phone_last4 or None
        return {}

    def submit_capture(self, *, pose: str | None, quality_ok: bool, quality_reason: str = "ok",
                       template: Sequence[float], duplicate_of: str | None = None,
                       image: bytes | None = None) -> CaptureVerdict:
        """Offer one capture for the current pose step.

        ``pose`` is the label the vision side estimated from the landmarks (None: in between poses),
        ``quality_ok``/``quality_reason`` its quality verdict, ``duplicate_of`` the customer this face
        already matches (if any). ``image`` is kept only when the operator turned ``keep_images`` on.
        """
        if self.step not in STEP_POSE:
            raise RegistrationError(f"step {self.step.value!r} takes no face capture")
        wanted = STEP_POSE[self.step]
        if not quality_ok:
            return CaptureVerdict(False, quality_reason, f"Capture rejected: {quality_reason}.")
        if pose != wanted.value:
            seen = pose or "in between"
            return CaptureVerdict(False, "wrong_pose", f"Please turn {_instruction(wanted)} (seen: {seen}).")
        vector = tuple(float(v) for v in template)
        if not vector:
            raise ValueError("empty face template")
        dims = {len(c.template) for c in self.captures.values() if c.pose is not wanted}
        if dims and dims != {len(vector)}:
            raise ValueError(f"template has {len(vector)} values, earlier captures have {dims.pop()}")
        self.captures[wanted] = Capture(wanted, vector, image if self.keep_images else None)
        if duplicate_of is not None:
            self.duplicates[wanted] = duplicate_of
            log.warning("registration: %s capture matches existing customer %s", wanted.value, duplicate_of)
            return CaptureVerdict(True, "duplicate_face", "This face already matches a registered customer.",
                                  duplicate_of)
        self.duplicates.pop(wanted, None)
        return CaptureVerdict(True, "ok", "Captured.")

    @property
    def duplicate_of(self) -> str | None:
        """The existing customer some capture matched (flagged on the summary), else None."""
        return next(iter(self.duplicates.values()), None)

    def result(self) -> RegistrationResult:
        if self.step not in (Step.SUMMARY, Step.DONE):
            raise RegistrationError("the registration is not complete yet")
        assert self.consent_at is not None
        images = {pose: c.image for pose, c in self.captures.items() if c.image is not None}
        return RegistrationResult(
            customer_id=self.customer_id, name=self.name, phone_last4=self.phone_last4,
            consent_at=self.consent_at, backend=self.backend,
            templates={pose: self.captures[pose].template for pose in FacePose}, images=images,
            duplicate_of=self.duplicate_of)

    def finish(self, *, allow_duplicate: bool = False) -> RegistrationResult:
        """SUMMARY → DONE. A face flagged as another customer's needs the operator's ``allow_duplicate``."""
        self._require(Step.SUMMARY)
        self.duplicate_confirmed = self.duplicate_confirmed or allow_duplicate
        self.next()
        return self.result()

    def _require(self, step: Step) -> None:
        if self.step is not step:
            raise RegistrationError(f"wrong step: {self.step.value!r}, expected {step.value!r}")


def _instruction(pose: FacePose) -> str:
    return {FacePose.FRONT: "to face the camera", FacePose.RIGHT: "your head to your right",
            FacePose.DOWN: "your head slightly down", FacePose.LEFT: "your head to your left"}[pose]
