"""The reference detector backend: the model built and run by mmdetection itself (PyTorch eager)."""

from __future__ import annotations

import logging

import numpy as np

from app.vision.detection import Detection, ModelBundle, ModelError, check_image, to_detections

log = logging.getLogger(__name__)


def inference_pipeline(input_size: tuple[int, int]) -> list[dict]:
    """mmdet's test pipeline for a BGR frame already in memory."""
    return [
        dict(type="mmdet.LoadImageFromNDArray"),
        dict(type="mmdet.Resize", scale=input_size, keep_ratio=True),
        dict(type="mmdet.Pad", size=input_size, pad_val=dict(img=(114, 114, 114))),
        dict(type="mmdet.PackDetInputs", meta_keys=("img_id", "img_path", "ori_shape", "img_shape",
                                                    "scale_factor")),
    ]


def read_slim_checkpoint(path) -> dict:
    """The state dict of a checkpoint saved as ``{'state_dict': ..., 'meta': plain values}``, read with
    ``weights_only=True``; a file torch cannot read raises :class:`ModelError` naming it.

    torch >= 2.6 refuses to unpickle mmengine's full checkpoints (message hubs, numpy scalars) by
    default; the training command saves slim ones so nothing has to be allow-listed.
    """
    import torch

    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated zip, wrong format, unpickling refused
        raise ModelError(f"{path}: cannot read the checkpoint: {exc}") from exc
    state = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise ModelError(f"{path}: not a state-dict checkpoint")
    return state


def load_slim_checkpoint(model, path, state: dict | None = None) -> None:
    """Load a slim checkpoint's weights (``state``, when already read) into ``model``; weights that do
    not fit the model raise :class:`ModelError` naming the file."""
    state = read_slim_checkpoint(path) if state is None else state
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ModelError(f"{path}: weights do not fit the config (missing {len(missing)}, unexpected "
                         f"{len(unexpected)}; first: {(missing or unexpected)[0]})")


class MmdetProductDetector:
    backend = "mmdet"

    def __init__(self, bundle: ModelBundle) -> None:
        self.bundle = bundle
        config_path = bundle.file("config")
        checkpoint_path = bundle.file("checkpoint")  # both checked before the slow imports and build
        state = read_slim_checkpoint(checkpoint_path)
        from mmdet.apis import init_detector
        from mmengine.config import Config

        try:
            cfg = Config.fromfile(str(config_path))
            cfg.model.bbox_head.num_classes = len(bundle.classes)
            cfg.test_dataloader.dataset.pipeline = inference_pipeline(bundle.input_size)
            post = bundle.postprocess
            cfg.model.test_cfg.update(score_thr=post.score_thr, nms_pre=post.nms_pre,
                                      max_per_img=post.max_per_img,
                                      nms=dict(type="nms", iou_threshold=post.iou_threshold))
            self.model = init_detector(cfg, checkpoint=None, device="cpu")
        except Exception as exc:  # a config mmdet cannot build: syntax, unknown types, missing keys
            raise ModelError(f"{config_path}: mmdetection cannot build the model from this config: "
                             f"{type(exc).__name__}: {exc}") from exc
        load_slim_checkpoint(self.model, checkpoint_path, state)
        self.model.dataset_meta = {"classes": bundle.classes}
        self.model.eval()

    def detect(self, image_bgr: np.ndarray) -> list[Detection]:
        from mmdet.apis import inference_detector

        check_image(image_bgr, self.bundle.input_size)
        result = inference_detector(self.model, image_bgr)
        pred = result.pred_instances
        return to_detections(pred.bboxes.numpy(), pred.scores.numpy(), pred.labels.numpy(),
                             self.bundle.classes)
