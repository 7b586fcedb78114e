"""The kiosk's default detector backend: the exported network in onnxruntime, numpy around it."""

from __future__ import annotations

import logging

import numpy as np

from app.vision.detection import Detection, ModelBundle, ModelError, check_image, to_detections
from app.vision.postprocess import decode, letterbox, to_blob

log = logging.getLogger(__name__)


def _fits(channels: int, height: int, width: int) -> set[tuple[int | None, ...]]:
    """The input shapes (fixed or dynamic per axis) that take ``channels`` x ``height`` x ``width``."""
    return {(c, h, w) for c in (channels, None) for h in (height, None) for w in (width, None)}


class OnnxProductDetector:
    backend = "onnxruntime"

    def __init__(self, bundle: ModelBundle, threads: int | None = None) -> None:
        import onnxruntime as ort

        self.bundle = bundle
        path = bundle.file("onnx")
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types
            raise ModelError(f"{path}: onnxruntime cannot load the model: {exc}") from exc
        inputs = self.session.get_inputs()
        if len(inputs) != 1:
            raise ModelError(f"{path}: expected one input (the image), found {len(inputs)}")
        self.input_name = inputs[0].name
        width, height = bundle.input_size
        shape = list(inputs[0].shape)
        fixed = [d if isinstance(d, int) else None for d in shape]
        if len(shape) != 4 or (fixed[1], fixed[2], fixed[3]) not in _fits(3, height, width):
            raise ModelError(f"{path}: the network takes input of shape {shape}, but the model card says "
                             f"3 x {height} x {width} images")
        outputs = self.session.get_outputs()
        levels = len(bundle.postprocess.strides)
        if len(outputs) != 2 * levels:
            raise ModelError(f"{path}: expected {2 * levels} outputs (scores and boxes per level), "
                             f"found {len(outputs)}")
        num_classes = outputs[0].shape[1]
        if num_classes != len(bundle.classes):
            raise ModelError(f"{path}: the network predicts {num_classes} classes but the model card lists "
                             f"{len(bundle.classes)}")
        self._levels = levels

    def raw(self, image_bgr: np.ndarray):
        """Network outputs and the letterbox for one frame (for tests and export checks)."""
        width, height = self.bundle.input_size
        check_image(image_bgr, (width, height))
        padded, box = letterbox(image_bgr, width, height)
        outputs = self.session.run(None, {self.input_name: to_blob(padded)})
        return outputs[: self._levels], outputs[self._levels:], box

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        cls_scores, bbox_preds, box = self.raw(image_bgr)
        boxes, scores, labels = decode(cls_scores, bbox_preds, box, self.bundle.postprocess)
        return to_detections(boxes, scores, labels, self.bundle.classes)
