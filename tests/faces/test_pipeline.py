"""The whole face pipeline on real photos with the offline (dlib) backend."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.registration import FacePose
from app.vision.faces.gallery import Gallery, IdentityTracker
from app.vision.faces.pipeline import STAGES, FacePipeline
from app.vision.faces.quality import QualityReason


@pytest.fixture
def pipeline(face_detector, dlib_embedder) -> FacePipeline:
    return FacePipeline(face_detector, dlib_embedder, Gallery("dlib"))


def test_registered_customer_is_identified_and_a_stranger_is_not(pipeline, load_face):
    enrol = pipeline.process(load_face("obama/1.jpg"), match=False)
    assert enrol.quality.ok and enrol.pose is FacePose.FRONT and enrol.embedding is not None
    assert np.linalg.norm(enrol.embedding) == pytest.approx(1.0, abs=1e-5)
    pipeline.gallery.add("C-OBAMA", enrol.embedding, backend=enrol.backend, pose="front")
    biden = pipeline.process(load_face("biden/2.jpg"), match=False).embedding
    pipeline.gallery.add("C-BIDEN", biden, backend="dlib", pose="front")

    tracker = IdentityTracker(k=2)
    probe = pipeline.process(load_face("obama/3.jpg"))
    assert probe.decision is not None and probe.decision.customer_id == "C-OBAMA"
    assert set(probe.timings_ms) == set(STAGES)
    assert tracker.update(probe.decision) is None  # one frame is never enough
    assert tracker.update(pipeline.process(load_face("obama/3.jpg")).decision) == "C-OBAMA"

    stranger = pipeline.process(load_face("paul_rudd/1.jpg"))
    assert stranger.quality.ok and not stranger.decision.accepted and stranger.decision.customer_id is None


def test_a_frame_without_a_face_stops_after_quality(pipeline):
    obs = pipeline.process(np.full((360, 480, 3), 80, np.uint8))
    assert obs.quality.reason is QualityReason.NO_FACE and obs.embedding is None and obs.decision is None
    assert set(obs.timings_ms) == {"detect", "quality"}


def test_gallery_of_another_backend_is_refused(face_detector, dlib_embedder):
    with pytest.raises(ValueError, match="backend"):
        FacePipeline(face_detector, dlib_embedder, Gallery("facenet"))


def test_registration_captures_from_real_photos_drive_the_wizard(pipeline, load_face):
    from app.core.registration import RegistrationWizard, Step

    pipeline.gallery.add("C-OBAMA", pipeline.process(load_face("obama/4.jpg"), match=False).embedding,
                         backend="dlib")
    wizard = RegistrationWizard(id_exists=lambda _: False, backend=pipeline.embedder.backend)
    wizard.give_consent(True)
    wizard.next()
    wizard.set_details("Barack", "C-2001")
    wizard.next()
    # A frontal photo of an already registered customer: accepted for FRONT, flagged as a duplicate.
    front = pipeline.registration_capture(load_face("obama/1.jpg"))
    verdict = wizard.submit_capture(**front.as_kwargs())
    assert verdict.accepted and verdict.duplicate_of == "C-OBAMA"
    wizard.next()
    assert wizard.step is Step.RIGHT
    # The RIGHT step refuses a frontal face and takes a head turned to the person's right.
    assert wizard.submit_capture(**front.as_kwargs()).reason == "wrong_pose"
    right = pipeline.registration_capture(load_face("kit_harington/2.jpg"), baseline=front.observation.angles)
    assert right.pose == "right" and right.duplicate_of is None
    assert wizard.submit_capture(**right.as_kwargs()).accepted
