"""RTMDet pre- and post-processing in numpy, matching mmdet's test pipeline step for step.

Used by the onnxruntime backend (whose graph holds only backbone + neck + head) so that it gives the
same boxes as mmdet: resize with the aspect kept (cv2 bilinear, as mmcv.imrescale), pad bottom/right
with 114, normalise with the model's mean/std; then per level sigmoid scores, score threshold and
top-k, distance-to-box decoding from the anchor points, class-aware NMS and the per-image cap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

MEAN = np.array([103.53, 116.28, 123.675], np.float32)  # BGR, as RTMDet's DetDataPreprocessor
STD = np.array([57.375, 57.12, 58.395], np.float32)
PAD_VALUE = 114


@dataclass(frozen=True)
class PostprocessConfig:
    """RTMDet's ``test_cfg`` (score threshold, top-k per level, NMS IoU, boxes per image)."""

    score_thr: float = 0.05
    nms_pre: int = 1000
    iou_threshold: float = 0.6
    max_per_img: int = 100
    strides: tuple[int, ...] = (8, 16, 32)


@dataclass(frozen=True)
class Letterbox:
    """How a frame was fitted into the network input: the resized size and the scale per axis."""

    resized_w: int
    resized_h: int
    scale_x: float
    scale_y: float
    input_w: int  # the padded network input
    input_h: int


def letterbox(image: np.ndarray, input_w: int, input_h: int) -> tuple[np.ndarray, Letterbox]:
    """Resize keeping the aspect and pad (bottom, right) to ``input_w`` x ``input_h``.

    The frame is fitted inside the input. For landscape frames on a landscape input this is exactly
    ``mmcv.imrescale``'s rule (long side to the long side, short to the short), so both backends see
    the same pixels.
    """
    h, w = image.shape[:2]
    scale = min(input_w / w, input_h / h)
    new_w, new_h = int(w * scale + 0.5), int(h * scale + 0.5)
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    padded = np.full((input_h, input_w, 3), PAD_VALUE, np.uint8)
    padded[:new_h, :new_w] = resized
    return padded, Letterbox(new_w, new_h, new_w / w, new_h / h, input_w, input_h)


def to_blob(padded_bgr: np.ndarray) -> np.ndarray:
    """HxWx3 uint8 BGR -> 1x3xHxW float32, normalised with the model's mean and std."""
    blob = (padded_bgr.astype(np.float32) - MEAN) / STD
    return np.ascontiguousarray(blob.transpose(2, 0, 1)[None])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy NMS like mmcv's: highest score first, drop boxes with IoU > threshold; kept indices."""
    order = np.argsort(-scores, kind="stable")
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1) * (y2 - y1)
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        w = np.clip(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0, None)
        h = np.clip(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0, None)
        inter = w * h
        iou = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def batched_nms(boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray,
                iou_threshold: float) -> np.ndarray:
    """Class-aware NMS by offsetting each class's boxes apart (mmcv's ``batched_nms`` trick)."""
    if boxes.size == 0:
        return np.zeros(0, np.int64)
    offsets = labels.astype(np.float32)[:, None] * (boxes.max() + 1)
    return nms(boxes + offsets, scores, iou_threshold)


def decode(cls_scores: Sequence[np.ndarray], bbox_preds: Sequence[np.ndarray], box: Letterbox,
           config: PostprocessConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Head outputs (per level ``1xCxHxW`` logits and ``1x4xHxW`` distances in pixels) to boxes in the
    original frame: ``(boxes Nx4 xyxy, scores N, labels N)``, sorted by score, after NMS."""
    all_boxes, all_scores, all_labels = [], [], []
    for cls, reg, stride in zip(cls_scores, bbox_preds, config.strides, strict=True):
        num_classes, height, width = cls.shape[1:]
        scores = _sigmoid(cls[0].reshape(num_classes, -1).T)  # (H*W, C)
        distances = reg[0].reshape(4, -1).T  # (H*W, 4): left, top, right, bottom
        ys, xs = np.divmod(np.arange(height * width), width)
        points = np.stack([xs * stride, ys * stride], axis=1).astype(np.float32)
        flat = scores.ravel()
        candidates = np.flatnonzero(flat > config.score_thr)
        if candidates.size > config.nms_pre:
            top = np.argsort(-flat[candidates], kind="stable")[: config.nms_pre]
            candidates = candidates[top]
        else:
            candidates = candidates[np.argsort(-flat[candidates], kind="stable")]
        anchor, label = np.divmod(candidates, num_classes)
        p, d = points[anchor], distances[anchor]
        xyxy = np.concatenate([p - d[:, :2], p + d[:, 2:]], axis=1)
        # mmdet clamps to ``img_shape``, which its Pad transform sets to the padded size
        xyxy[:, 0::2] = np.clip(xyxy[:, 0::2], 0, box.input_w)
        xyxy[:, 1::2] = np.clip(xyxy[:, 1::2], 0, box.input_h)
        all_boxes.append(xyxy)
        all_scores.append(flat[candidates])
        all_labels.append(label)
    boxes = np.concatenate(all_boxes).astype(np.float32)
    scores = np.concatenate(all_scores).astype(np.float32)
    labels = np.concatenate(all_labels).astype(np.int64)
    boxes /= np.array([box.scale_x, box.scale_y, box.scale_x, box.scale_y], np.float32)
    valid = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    boxes, scores, labels = boxes[valid], scores[valid], labels[valid]
    keep = batched_nms(boxes, scores, labels, config.iou_threshold)[: config.max_per_img]
    return boxes[keep], scores[keep], labels[keep]
