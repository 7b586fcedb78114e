"""Export the detector network (backbone + neck + head) to ONNX and check it against mmdet.

Box decoding and NMS stay outside the graph (``app/vision/postprocess.py``), so the ONNX file is
plain convolutions that onnxruntime runs fast on a CPU, and both kiosk backends share the same
post-processing code path.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.vision.postprocess import letterbox, to_blob

log = logging.getLogger(__name__)

OPSET = 17


def export_onnx(model, input_size: tuple[int, int], path: Path) -> Path:
    """Write the network of an mmdet RTMDet ``model`` as ONNX: one input, per-level scores and boxes."""
    import torch

    class Network(torch.nn.Module):
        def __init__(self, detector) -> None:
            super().__init__()
            self.detector = detector

        def forward(self, x):
            cls_scores, bbox_preds = self.detector.bbox_head(self.detector.neck(self.detector.backbone(x)))
            return (*cls_scores, *bbox_preds)

    width, height = input_size
    network = Network(model).eval()
    dummy = torch.zeros(1, 3, height, width)
    levels = len(model.bbox_head.prior_generator.strides)
    names = [f"cls_{i}" for i in range(levels)] + [f"box_{i}" for i in range(levels)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad(), warnings.catch_warnings():
        # The TorchScript exporter is the one that needs no extra packages (onnxscript) and handles
        # this static-shape conv net fully; torch marks it deprecated.
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(network, (dummy,), str(path), dynamo=False, opset_version=OPSET,
                          input_names=["input"], output_names=names, do_constant_folding=True)
    log.info("exported %s (%d bytes)", path, path.stat().st_size)
    return path


@dataclass(frozen=True)
class ParityReport:
    """How far the onnxruntime backend is from mmdet on the same frames."""

    frames: int
    max_raw_abs_diff: float  # largest difference of any network output (logits / box distances)
    matched_boxes: int
    total_boxes: int
    max_box_abs_diff: float  # pixels, over matched boxes
    max_score_abs_diff: float
    label_mismatches: int

    @property
    def ok(self) -> bool:
        return (self.label_mismatches == 0 and self.matched_boxes == self.total_boxes
                and self.max_box_abs_diff <= BOX_TOLERANCE_PX and self.max_score_abs_diff <= SCORE_TOLERANCE)


BOX_TOLERANCE_PX = 0.5
SCORE_TOLERANCE = 1e-3


def compare_backends(mmdet_detector, onnx_detector, frames: list[np.ndarray],
                     min_score: float = 0.3) -> ParityReport:
    """Run both backends on ``frames``; pair detections above ``min_score`` by order and compare."""
    import torch

    max_raw = 0.0
    matched = total = mismatches = 0
    max_box = max_score = 0.0
    model = mmdet_detector.model
    for frame in frames:
        cls_onnx, box_onnx, _ = onnx_detector.raw(frame)
        padded, _ = letterbox(frame, *onnx_detector.bundle.input_size)
        with torch.no_grad():
            cls_t, box_t = model.bbox_head(model.neck(model.backbone(torch.from_numpy(to_blob(padded)))))
        for a, b in zip([*cls_onnx, *box_onnx], [*cls_t, *box_t], strict=True):
            max_raw = max(max_raw, float(np.abs(a - b.numpy()).max()))
        ref = [d for d in mmdet_detector.detect(frame) if d.score >= min_score]
        got = [d for d in onnx_detector.detect(frame) if d.score >= min_score]
        total += max(len(ref), len(got))
        for r, g in zip(ref, got, strict=False):
            matched += 1
            mismatches += r.label != g.label
            max_box = max(max_box, float(np.abs(np.subtract(r.box, g.box)).max()))
            max_score = max(max_score, abs(r.score - g.score))
    return ParityReport(len(frames), max_raw, matched, total, max_box, max_score, mismatches)
