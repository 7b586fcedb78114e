"""The numpy post-processing of the onnxruntime backend matches mmdet's own RTMDet head step for step."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from app.vision.postprocess import PostprocessConfig, batched_nms, decode, letterbox, nms

NUM_CLASSES = 5
INPUT = (320, 320)


@pytest.fixture(scope="module")
def head():
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    from mmengine.config import ConfigDict

    register_all_modules()
    return MODELS.build(dict(
        type="RTMDetSepBNHead", num_classes=NUM_CLASSES, in_channels=32, feat_channels=32, stacked_convs=1,
        anchor_generator=dict(type="MlvlPointGenerator", offset=0, strides=[8, 16, 32]),
        bbox_coder=dict(type="DistancePointBBoxCoder"), exp_on_reg=False, share_conv=True, pred_kernel_size=1,
        norm_cfg=dict(type="BN"), act_cfg=dict(type="SiLU"),
        loss_cls=dict(type="QualityFocalLoss", use_sigmoid=True, beta=2.0, loss_weight=1.0),
        loss_bbox=dict(type="GIoULoss", loss_weight=2.0),
        test_cfg=ConfigDict(nms_pre=1000, min_bbox_size=0, score_thr=0.05,
                            nms=dict(type="nms", iou_threshold=0.6), max_per_img=100))).eval()


def synthetic_outputs(seed: int):
    """Head outputs with a few confident, overlapping objects (what a trained head produces)."""
    rng = np.random.default_rng(seed)
    cls, box = [], []
    for stride in (8, 16, 32):
        size = INPUT[0] // stride
        logits = rng.normal(-6, 1.5, (1, NUM_CLASSES, size, size)).astype(np.float32)
        for _ in range(6):
            y, x, c = rng.integers(0, size), rng.integers(0, size), rng.integers(0, NUM_CLASSES)
            patch = logits[0, c, max(0, y - 1):y + 2, max(0, x - 1):x + 2]
            patch[...] = rng.normal(2, 1.5, patch.shape)  # distinct scores: no ties for NMS to order
        box.append(rng.uniform(4, 60, (1, 4, size, size)).astype(np.float32))
        cls.append(logits)
    return cls, box


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_decode_matches_mmdet_predict_by_feat(head, seed):
    frame = np.zeros((480, 640, 3), np.uint8)
    _, box = letterbox(frame, *INPUT)
    cls_np, reg_np = synthetic_outputs(seed)
    meta = dict(img_shape=(INPUT[1], INPUT[0]), ori_shape=(480, 640),  # mmdet's Pad sets the padded shape
                scale_factor=(box.scale_x, box.scale_y), pad_shape=INPUT)
    with torch.no_grad():
        cls_t, reg_t = [torch.from_numpy(c) for c in cls_np], [torch.from_numpy(r) for r in reg_np]
        ref = head.predict_by_feat(cls_t, reg_t, batch_img_metas=[meta], rescale=True)[0]
    boxes, scores, labels = decode(cls_np, reg_np, box, PostprocessConfig())
    assert len(ref.bboxes) > 3, "the synthetic outputs should produce detections"
    assert len(boxes) == len(ref.bboxes)
    np.testing.assert_allclose(boxes, ref.bboxes.numpy(), atol=1e-3)
    np.testing.assert_allclose(scores, ref.scores.numpy(), atol=1e-6)
    np.testing.assert_array_equal(labels, ref.labels.numpy())


def test_nms_matches_mmcv():
    from mmcv.ops import batched_nms as mmcv_batched_nms
    from mmcv.ops import nms as mmcv_nms

    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 200, (300, 2)).astype(np.float32)
    boxes = np.concatenate([xy, xy + rng.uniform(5, 60, (300, 2)).astype(np.float32)], axis=1)
    scores = rng.uniform(0, 1, 300).astype(np.float32)
    labels = rng.integers(0, 4, 300)
    _, keep = mmcv_nms(torch.from_numpy(boxes), torch.from_numpy(scores), 0.5)
    np.testing.assert_array_equal(nms(boxes, scores, 0.5), keep.numpy())
    _, keep = mmcv_batched_nms(torch.from_numpy(boxes), torch.from_numpy(scores), torch.from_numpy(labels),
                               dict(type="nms", iou_threshold=0.6))
    np.testing.assert_array_equal(batched_nms(boxes, scores, labels, 0.6), keep.numpy())


def test_letterbox_keeps_the_aspect_and_pads_with_114():
    frame = np.full((720, 1280, 3), 50, np.uint8)
    padded, box = letterbox(frame, 320, 320)
    assert padded.shape == (320, 320, 3)
    assert (box.resized_w, box.resized_h) == (320, 180)
    assert (padded[:180] == 50).all() and (padded[180:] == 114).all()


@pytest.mark.parametrize("shape", [(480, 640), (720, 1280), (300, 300), (640, 480)])
def test_letterbox_fits_any_frame_inside_a_non_square_input(shape):
    padded, box = letterbox(np.zeros((*shape, 3), np.uint8), 320, 256)
    assert padded.shape == (256, 320, 3)
    assert box.resized_w <= 320 and box.resized_h <= 256
    assert box.resized_w == 320 or box.resized_h == 256
