"""Gallery matching: threshold, margin, several templates per customer, backend separation, tracker."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from app.core.face_crypto import TemplateCipher
from app.core.face_pay import MatchReason
from app.vision.faces.gallery import CALIBRATION, BackendMismatchError, Gallery, IdentityTracker


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _near(base: np.ndarray, cos: float, rng: np.random.Generator) -> np.ndarray:
    """A unit vector with exactly cosine ``cos`` to ``base``."""
    noise = rng.standard_normal(base.shape)
    noise -= (noise @ base) * base
    return cos * base + np.sqrt(1 - cos ** 2) * _unit(noise)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(42)


@pytest.fixture
def people(rng) -> dict[str, np.ndarray]:
    return {name: _unit(rng.standard_normal(128)) for name in ("ann", "bob", "cy")}


def _gallery(people, threshold=0.8, margin=0.05) -> Gallery:
    gallery = Gallery("dlib", threshold=threshold, margin=margin)
    for name, vec in people.items():
        gallery.add(name, vec, backend="dlib", pose="front")
    return gallery


def test_calibration_exists_for_both_backends_and_defaults_apply():
    assert set(CALIBRATION) == {"dlib", "facenet"}
    for cal in CALIBRATION.values():
        assert 0 < cal.threshold < 1 and 0 < cal.margin < 0.2
    assert Gallery("dlib").threshold == CALIBRATION["dlib"].threshold
    with pytest.raises(ValueError):
        Gallery("other")


def test_threshold_accepts_above_and_rejects_below(people, rng):
    gallery = _gallery(people)
    ok = gallery.match(_near(people["ann"], 0.85, rng))
    assert ok.accepted and ok.customer_id == "ann" and ok.reason is MatchReason.OK
    low = gallery.match(_near(people["ann"], 0.75, rng))
    assert not low.accepted and low.customer_id is None and low.reason is MatchReason.BELOW_THRESHOLD
    assert low.best_candidate == "ann"


def test_unknown_face_stays_unknown(people, rng):
    decision = _gallery(people).match(_unit(rng.standard_normal(128)))
    assert not decision.accepted and decision.customer_id is None


def test_margin_to_the_runner_up(people):
    gallery = _gallery(people, threshold=0.5, margin=0.05)
    between = _unit(people["ann"] + people["bob"])  # equally like ann and bob
    decision = gallery.match(between)
    assert not decision.accepted and decision.reason is MatchReason.AMBIGUOUS
    assert decision.margin < 0.05
    leaning = _unit(2.0 * people["ann"] + people["bob"])
    assert gallery.match(leaning).customer_id == "ann"


def test_several_templates_per_customer_best_one_counts(people, rng):
    gallery = _gallery(people)
    side = _unit(rng.standard_normal(128))
    gallery.add("ann", side, backend="dlib", pose="left")
    assert len(gallery) == 4 and gallery.customers == {"ann", "bob", "cy"}
    decision = gallery.match(_near(side, 0.9, rng))
    assert decision.customer_id == "ann"
    assert gallery.remove("ann") == 2 and gallery.customers == {"bob", "cy"}
    assert not gallery.match(_near(side, 0.9, rng)).accepted


def test_templates_of_two_backends_never_mix(people):
    gallery = _gallery(people)
    with pytest.raises(BackendMismatchError):
        gallery.add("dan", np.ones(512), backend="facenet")
    with pytest.raises(BackendMismatchError):
        gallery.scores(np.ones(512))  # another backend's dimension
    with pytest.raises(BackendMismatchError):
        gallery.match(people["ann"], backend="facenet")


@dataclass
class _Record:
    customer_id: str
    pose: str
    backend: str
    template: bytes


def test_gallery_from_stored_records_skips_other_backends(people, tmp_path):
    cipher = TemplateCipher.from_key_file(tmp_path / "key")
    records = [_Record(name, "front", "dlib",
                       cipher.encrypt(v, backend="dlib", customer_id=name, pose="front"))
               for name, v in people.items()]
    records.append(_Record("dan", "front", "facenet",
                           cipher.encrypt(np.ones(512), backend="facenet", customer_id="dan", pose="front")))

    def decrypt(r: _Record) -> np.ndarray:
        return cipher.decrypt(r.template, backend=r.backend, customer_id=r.customer_id, pose=r.pose).vector

    gallery = Gallery.from_records(records, "dlib", decrypt, threshold=0.8, margin=0.05)
    assert gallery.customers == {"ann", "bob", "cy"}
    assert gallery.match(people["bob"]).customer_id == "bob"


def test_phone_digits_turn_identification_into_a_one_to_one_check(people, rng):
    gallery = _gallery(people, threshold=0.5, margin=0.05)
    phones = {"ann": "1234", "bob": "5678", "cy": None}
    between = _unit(people["ann"] + 0.97 * people["bob"])  # 1:N: too close to call
    assert gallery.match(between).reason is MatchReason.AMBIGUOUS
    one = gallery.match(between, phones=phones, phone_last4="1234")
    assert one.accepted and one.customer_id == "ann" and one.mode == "1:1"
    # The digits of someone else do not help a face that is more like another customer.
    assert not gallery.match(between, phones=phones, phone_last4="5678").accepted
    none = gallery.match(people["ann"], phones=phones, phone_last4="0000")
    assert not none.accepted and none.reason is MatchReason.NO_PHONE_MATCH


def test_tracker_confirms_only_after_k_consistent_frames(people, rng):
    gallery = _gallery(people)
    tracker = IdentityTracker(k=3)
    ann = [gallery.match(_near(people["ann"], 0.9, rng)) for _ in range(5)]
    assert tracker.update(ann[0]) is None
    assert tracker.update(ann[1]) is None
    assert tracker.update(ann[2]) == "ann"
    # An unknown frame resets; so does another customer.
    assert tracker.update(gallery.match(_unit(rng.standard_normal(128)))) is None
    assert tracker.update(ann[3]) is None and tracker.streak == 1
    tracker.update(gallery.match(_near(people["bob"], 0.9, rng)))
    assert tracker.streak == 1 and tracker.confirmed is None


def test_tracker_tolerates_short_gaps_only(people, rng):
    gallery = _gallery(people)
    tracker = IdentityTracker(k=2, max_gap=1)
    match = gallery.match(_near(people["cy"], 0.9, rng))
    tracker.update(match)
    assert tracker.update(None) is None  # a blurred frame: neither counts nor resets
    assert tracker.update(match) == "cy"
    tracker.update(None)
    tracker.update(None)  # two missing frames: reset
    assert tracker.confirmed is None and tracker.streak == 0
