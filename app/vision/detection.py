"""The product detector interface, the model bundle it loads from, and the backend factory.

A model bundle is a folder in ``models/`` with ``model_card.json`` (classes, input size, how it was
trained, metrics, SHA-256 of every file), the mmdet config, a slim checkpoint (weights only, loadable
with ``torch.load(weights_only=True)``) and the ONNX export. Every file is checked against the card
before use, so a truncated or swapped file gives an error naming it instead of wrong boxes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from app.vision.postprocess import PostprocessConfig

log = logging.getLogger(__name__)

CARD_NAME = "model_card.json"
BACKENDS = ("onnxruntime", "mmdet")


class ModelError(RuntimeError):
    """A model file that is missing, corrupt or does not fit (the message names the file)."""


@dataclass(frozen=True)
class Detection:
    """One product box in frame pixels (x1, y1, x2, y2), its class index and name, and the score."""

    label: int
    name: str
    score: float
    box: tuple[float, float, float, float]


class ProductDetector(Protocol):
    backend: str
    bundle: ModelBundle

    def detect(self, image_bgr: np.ndarray) -> list[Detection]: ...


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelBundle:
    """A trained detector on disk, described by its model card."""

    folder: Path
    card: dict

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.card["classes"])

    @property
    def input_size(self) -> tuple[int, int]:
        """(width, height) of the network input."""
        width, height = self.card["input_size"]
        return int(width), int(height)

    @property
    def postprocess(self) -> PostprocessConfig:
        return PostprocessConfig(**self.card.get("postprocess", {}))

    def file(self, role: str) -> Path:
        """The bundle's file for ``role`` ('config', 'checkpoint', 'onnx'), checked against the card."""
        entry = self.card.get("files", {}).get(role)
        if entry is None:
            raise ModelError(f"{self.folder / CARD_NAME}: the model card lists no {role} file")
        path = self.folder / entry["name"]
        if not path.is_file():
            raise ModelError(f"{path}: model file is missing")
        actual = sha256_of(path)
        if actual != entry["sha256"]:
            raise ModelError(f"{path}: checksum mismatch (file is corrupt or not the one the model card "
                             f"describes): sha256 {actual[:12]}..., expected {entry['sha256'][:12]}...")
        return path

    @classmethod
    def load(cls, folder: str | Path) -> ModelBundle:
        folder = Path(folder)
        card_path = folder / CARD_NAME
        try:
            card = json.loads(card_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"{card_path}: no model card (is {folder} a trained model folder?)") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ModelError(f"{card_path}: model card is not valid JSON: {exc}") from exc
        for key in ("classes", "input_size", "files"):
            if key not in card:
                raise ModelError(f"{card_path}: model card has no '{key}'")
        if not card["classes"]:
            raise ModelError(f"{card_path}: model card lists no classes")
        return cls(folder, card)

    def check_classes(self, expected: tuple[str, ...] | list[str]) -> None:
        """Refuse a model whose classes differ from the ones the kiosk maps to products."""
        missing = sorted(set(expected) - set(self.classes))
        if missing:
            more = " ..." if len(missing) > 5 else ""
            raise ModelError(f"{self.folder / CARD_NAME}: the model has {len(self.classes)} classes and "
                             f"lacks {', '.join(missing[:5])}{more} from the catalog")


def to_detections(boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray,
                  classes: tuple[str, ...]) -> list[Detection]:
    return [Detection(int(label), classes[int(label)], float(score), tuple(float(v) for v in box))
            for box, score, label in zip(boxes, scores, labels, strict=True)]


def open_detector(folder: str | Path, backend: str = "onnxruntime",
                  threads: int | None = None) -> ProductDetector:
    """Load the bundle in ``folder`` with the chosen backend ('onnxruntime' default, or 'mmdet')."""
    bundle = ModelBundle.load(folder)
    if backend == "onnxruntime":
        from app.vision.detector_onnx import OnnxProductDetector

        return OnnxProductDetector(bundle, threads=threads)
    if backend == "mmdet":
        from app.vision.detector_mmdet import MmdetProductDetector

        return MmdetProductDetector(bundle)
    raise ValueError(f"unknown detector backend {backend!r}; expected one of {', '.join(BACKENDS)}")
