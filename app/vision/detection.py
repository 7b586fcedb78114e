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
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from app.vision.postprocess import PostprocessConfig

log = logging.getLogger(__name__)

CARD_NAME = "model_card.json"
BACKENDS = ("onnxruntime", "mmdet")
MAX_IMAGE_SIDE = 16384  # larger than any camera frame
MAX_INPUT_SIDE = 4096  # network input sizes beyond this are a broken model card
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_POSTPROCESS_TYPES = {"score_thr": float, "nms_pre": int, "iou_threshold": float, "max_per_img": int,
                      "strides": list}


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


def check_image(image_bgr: object, input_size: tuple[int, int] | None = None) -> np.ndarray:
    """``image_bgr`` if it is a frame the detector can take, else ``ValueError`` saying what is wrong.

    A frame is a numpy ``uint8`` array of height x width x 3 (BGR) with both sides from 1 to
    ``MAX_IMAGE_SIDE``; with ``input_size`` (width, height) its aspect must also leave at least one pixel
    on each side once fitted into the network input.
    """
    if not isinstance(image_bgr, np.ndarray):
        raise ValueError(f"detect() takes a numpy image (BGR uint8, height x width x 3), not "
                         f"{type(image_bgr).__name__}")
    if image_bgr.dtype != np.uint8:
        raise ValueError(f"detect() takes uint8 pixels, not {image_bgr.dtype}")
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
        raise ValueError(f"detect() takes a BGR image of height x width x 3, not shape {image_bgr.shape}")
    height, width = image_bgr.shape[:2]
    if not (0 < height <= MAX_IMAGE_SIDE and 0 < width <= MAX_IMAGE_SIDE):
        raise ValueError(f"detect() takes images of 1 to {MAX_IMAGE_SIDE} pixels a side, "
                         f"not {width}x{height}")
    if input_size is not None:
        scale = min(input_size[0] / width, input_size[1] / height)
        if int(width * scale + 0.5) < 1 or int(height * scale + 0.5) < 1:
            raise ValueError(f"a {width}x{height} image is too narrow to fit the {input_size[0]}x"
                             f"{input_size[1]} network input")
    return image_bgr


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
        values = dict(self.card.get("postprocess", {}))
        if "strides" in values:
            values["strides"] = tuple(values["strides"])
        return PostprocessConfig(**values)

    def file(self, role: str) -> Path:
        """The bundle's file for ``role`` ('config', 'checkpoint', 'onnx'), checked against the card."""
        entry = self.card.get("files", {}).get(role)
        if entry is None:
            raise ModelError(f"{self.folder / CARD_NAME}: the model card lists no {role} file")
        path = self.folder / entry["name"]
        if not path.is_file():
            raise ModelError(f"{path}: model file is missing")
        expected_size = entry.get("bytes")
        try:
            size = path.stat().st_size
            actual = sha256_of(path)
        except OSError as exc:
            raise ModelError(f"{path}: cannot read the model file: {exc.strerror or exc}") from exc
        if isinstance(expected_size, int) and size != expected_size:
            what = "truncated" if size < expected_size else "longer than expected"
            raise ModelError(f"{path}: model file is {what} ({size:,} bytes; the model card says "
                             f"{expected_size:,}): copy it again")
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
        except OSError as exc:
            raise ModelError(f"{card_path}: cannot read the model card: {exc.strerror or exc}") from exc
        if not isinstance(card, dict):
            raise ModelError(f"{card_path}: model card is not a JSON object")
        for key in ("classes", "input_size", "files"):
            if key not in card:
                raise ModelError(f"{card_path}: model card has no '{key}'")
        if problem := _card_problem(card):
            raise ModelError(f"{card_path}: {problem}")
        return cls(folder, card)

    def check_classes(self, expected: tuple[str, ...] | list[str]) -> None:
        """Refuse a model whose classes differ from the ones the kiosk maps to products."""
        missing = sorted(set(expected) - set(self.classes))
        if missing:
            more = " ..." if len(missing) > 5 else ""
            raise ModelError(f"{self.folder / CARD_NAME}: the model has {len(self.classes)} classes and "
                             f"lacks {', '.join(missing[:5])}{more} from the catalog")


def _positive_number(value: object, kind: type) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float) if kind is float else int):
        return False
    return 0 <= value < float("inf") if kind is float else value > 0


def _card_problem(card: dict) -> str | None:
    """What is wrong with a model card's classes, input size, files or post-processing, if anything."""
    classes = card["classes"]
    if not isinstance(classes, list) or not classes:
        return "model card lists no classes ('classes' must be a non-empty list of names)"
    if not all(isinstance(c, str) and c for c in classes) or len(set(classes)) != len(classes):
        return "model card 'classes' must be distinct non-empty names"
    size = card["input_size"]
    if (not isinstance(size, list) or len(size) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and 32 <= v <= MAX_INPUT_SIDE
                       for v in size)):
        return (f"model card 'input_size' must be [width, height] of 32 to {MAX_INPUT_SIDE} pixels, "
                f"not {size!r}")
    files = card["files"]
    if not isinstance(files, dict):
        return "model card 'files' must map roles (config, checkpoint, onnx) to files"
    for role, entry in files.items():
        if (not isinstance(entry, dict) or not isinstance(entry.get("name"), str)
                or not isinstance(entry.get("sha256"), str)):
            return f"model card entry files.{role} must have a 'name' and a 'sha256'"
        name = entry["name"]
        if not name or Path(name).name != name or name in (".", ".."):
            return f"model card entry files.{role} must name a file in the model folder, not {name!r}"
        if not _SHA256_RE.fullmatch(entry["sha256"]):
            return f"model card entry files.{role} has a malformed sha256 {entry['sha256'][:80]!r}"
    post = card.get("postprocess", {})
    if not isinstance(post, dict):
        return "model card 'postprocess' must be an object"
    for key, value in post.items():
        kind = _POSTPROCESS_TYPES.get(key)
        if kind is None:
            return f"model card 'postprocess' has an unknown key {key!r}"
        ok = _positive_number(value, kind) if kind is not list else (
            isinstance(value, list) and bool(value) and all(_positive_number(v, int) for v in value))
        if not ok:
            return f"model card 'postprocess.{key}' has a bad value {value!r}"
    return None


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
