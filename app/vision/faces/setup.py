"""Build the kiosk's face pipeline from the settings and the stored (encrypted) templates.

:func:`build_face_pipeline` is what the kiosk's face worker calls. By default the models run in a child
process (:class:`app.vision.faces.remote.RemoteFacePipeline`: dlib holds the GIL while it embeds, which
stalled the window in the kiosk process); ``remote=False``, or the environment variable
``SELFCHECKOUT_FACE_PROCESS=0`` for debugging, builds the same pipeline in the calling process.

The templates are decrypted here, in the kiosk process, with the key of ``settings.face_key_file``
(:func:`decrypt_templates`); the child only ever receives plain vectors through its pipe, so the key
stays in one process and no template touches the disk unencrypted.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.core.face_crypto import TemplateCipher
from app.vision.faces.detector import MtcnnDetector
from app.vision.faces.embedder import EmbedderConfig, select_embedder
from app.vision.faces.gallery import Gallery
from app.vision.faces.pipeline import FacePipeline

log = logging.getLogger(__name__)

FACE_PROCESS_ENV = "SELFCHECKOUT_FACE_PROCESS"  # "0": run the face models in the kiosk process


@dataclass(frozen=True)
class PlainTemplate:
    """A decrypted store template. ``error`` instead of ``vector`` when it could not be decrypted: the
    build fails only if the template belongs to the active backend (others are skipped, as before)."""

    customer_id: str
    pose: str
    backend: str
    vector: np.ndarray | None
    error: str | None = None


def decrypt_templates(settings: Any, templates: Iterable[Any]) -> list[PlainTemplate]:
    """Store records (``customer_id``, ``pose``, ``backend``, ``template``) → plain vectors. The key
    file is read (or created) only when there are templates."""
    records = list(templates)
    if not records:
        return []
    cipher = TemplateCipher.from_key_file(settings.face_key_file)
    plain = []
    for r in records:
        try:
            vector = cipher.decrypt(r.template, backend=r.backend, customer_id=r.customer_id,
                                    pose=r.pose).vector
        except ValueError as exc:  # fails the build only for a template of the active backend
            error = str(exc) or type(exc).__name__
            plain.append(PlainTemplate(r.customer_id, r.pose, r.backend, None, error))
            continue
        plain.append(PlainTemplate(r.customer_id, r.pose, r.backend, vector))
    return plain


def _vector(template: PlainTemplate) -> np.ndarray:
    if template.vector is None:
        raise ValueError(template.error or f"template of {template.customer_id} cannot be decrypted")
    return template.vector


def build_local_pipeline(settings: Any, templates: Sequence[PlainTemplate] = (), *,
                         gallery: Gallery | None = None) -> tuple[FacePipeline, str]:
    """The pipeline in this process: (pipeline with its gallery, a sentence naming the backend and why).

    The gallery is ``gallery`` when it is of the chosen embedder's backend (a restarted face process),
    else built from ``templates``; templates of the other backend are skipped (never compared), they
    need a new registration. Sets torch's threads to ``settings.torch_threads`` for this process.
    """
    import torch

    torch.set_num_threads(settings.torch_threads)  # two pipelines share 2 cores: no oversubscription
    embedder, reason = select_embedder(EmbedderConfig.from_settings(settings))
    if gallery is not None and gallery.backend != embedder.backend:
        log.warning("the %s gallery does not fit the %s embedder; starting with the templates given",
                    gallery.backend, embedder.backend)
        gallery = None
    if gallery is None:
        gallery = Gallery.from_records(templates, embedder.backend, _vector)
    pipeline = FacePipeline(MtcnnDetector(), embedder, gallery, mirrored=settings.face_camera_mirrored)
    log.info("face pipeline: %s; %d templates of %d customers", reason, len(gallery), len(gallery.customers))
    return pipeline, reason


def remote_by_default() -> bool:
    return os.environ.get(FACE_PROCESS_ENV, "1").strip() not in ("0", "false", "no", "off")


def build_face_pipeline(settings: Any, templates: Iterable[Any], *,
                        remote: bool | None = None) -> tuple[Any, str]:
    """(pipeline with its gallery, a sentence naming the active backend and why).

    ``remote`` (default: true unless ``SELFCHECKOUT_FACE_PROCESS=0``) runs the models in a child
    process; the result then has to be closed (the face worker does). Raises when the key file cannot
    be read or the models cannot load, with the same message either way.
    """
    plain = decrypt_templates(settings, templates)
    if remote is None:
        remote = remote_by_default()
    if not remote:
        return build_local_pipeline(settings, plain)
    from app.vision.faces.remote import RemoteFacePipeline

    pipeline = RemoteFacePipeline(settings, plain)
    return pipeline, pipeline.description
