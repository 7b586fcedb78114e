"""Run a trained detector over a held-out COCO split and compute COCO mAP and the checkout metrics."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import cv2

from app.training.metrics import Prediction, evaluate
from app.vision.detection import ModelBundle, ModelError, ProductDetector

log = logging.getLogger(__name__)

CHECKOUT_SCORE_THR = 0.5  # the score the kiosk counts an item at (app.core counting uses the same)


def predict_split(detector: ProductDetector, annotations: Path) -> tuple[dict, list[Prediction], float]:
    """Detections for every image of a COCO split: (ground truth, predictions, ms per image)."""
    gt = json.loads(annotations.read_text(encoding="utf-8"))
    category_of = {c["name"]: c["id"] for c in gt["categories"]}
    unknown = [name for name in detector.bundle.classes if name not in category_of]
    if unknown:
        raise ModelError(f"{annotations}: the model's classes {unknown[:3]} are not in this split")
    predictions: list[Prediction] = []
    started = time.perf_counter()
    for image in gt["images"]:
        path = annotations.parent / image["file_name"]
        frame = cv2.imread(str(path))
        if frame is None:
            raise OSError(f"{path}: cannot read the image")
        for det in detector.detect(frame):
            predictions.append(Prediction(image["id"], category_of[det.name], det.box, det.score))
    ms = (time.perf_counter() - started) * 1000 / max(1, len(gt["images"]))
    return gt, predictions, ms


def evaluate_bundle(detector: ProductDetector, annotations: Path,
                    score_thr: float = CHECKOUT_SCORE_THR) -> dict:
    gt, predictions, ms = predict_split(detector, annotations)
    result = evaluate(gt, predictions, score_thr=score_thr)
    result["split"] = str(annotations)
    result["backend"] = detector.backend
    result["ms_per_image_including_io"] = round(ms, 1)
    return result


def record_metrics(bundle: ModelBundle, result: dict) -> None:
    """Store the headline numbers in the model card (the card says which split they come from)."""
    from app.training.train import write_card

    keys = ("map50", "map", "map75", "checkout_accuracy", "acd", "mccd", "mciou", "per_level", "per_class_ap",
            "images", "score_thr", "split", "backend")
    card = dict(bundle.card)
    card["metrics"] = {k: result[k] for k in keys if k in result}
    card["metrics"]["evaluated_at"] = time.strftime("%Y-%m-%d %H:%M")
    write_card(bundle.folder, card)
