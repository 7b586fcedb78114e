"""Build the kiosk's face pipeline from the settings and the stored (encrypted) templates."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from app.core.face_crypto import TemplateCipher
from app.vision.faces.detector import MtcnnDetector
from app.vision.faces.embedder import EmbedderConfig, select_embedder
from app.vision.faces.gallery import Gallery
from app.vision.faces.pipeline import FacePipeline

log = logging.getLogger(__name__)


def build_face_pipeline(settings: Any, templates: Iterable[Any]) -> tuple[FacePipeline, str]:
    """(pipeline with its gallery, a sentence naming the active backend and why).

    Templates of the other backend are skipped (never compared); they need a new registration.
    """
    import torch

    torch.set_num_threads(settings.torch_threads)  # two pipelines share 2 cores: no oversubscription
    embedder, reason = select_embedder(EmbedderConfig.from_settings(settings))
    records = list(templates)
    if records:
        cipher = TemplateCipher.from_key_file(settings.face_key_file)

        def decrypt(record: Any):
            return cipher.decrypt(record.template, backend=record.backend, customer_id=record.customer_id,
                                  pose=record.pose).vector

        gallery = Gallery.from_records(records, embedder.backend, decrypt)
    else:
        gallery = Gallery(embedder.backend)
    pipeline = FacePipeline(MtcnnDetector(), embedder, gallery, mirrored=settings.face_camera_mirrored)
    log.info("face pipeline: %s; %d templates of %d customers", reason, len(gallery), len(gallery.customers))
    return pipeline, reason
