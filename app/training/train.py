"""Train the product detector with mmdet/mmengine on generated scenes and write a model bundle.

The bundle (see ``app.vision.detection``) gets the resolved config, a slim weights-only checkpoint
(the EMA weights), the ONNX export and a model card with classes, data, schedule, timings and the
SHA-256 of every file. ``selfcheckout evaluate`` adds the metrics to the card.
"""

from __future__ import annotations

import json
import logging
import platform
import time
from dataclasses import dataclass
from pathlib import Path

from app.core.settings import MODELS_DIR
from app.vision.detection import CARD_NAME, ModelBundle, sha256_of

log = logging.getLogger(__name__)

BASE_CONFIG = MODELS_DIR / "rtmdet_tiny_kiosk.py"


@dataclass(frozen=True)
class TrainPlan:
    data_root: Path  # holds train/annotations.json (+ images) and val/annotations.json
    out_dir: Path  # the model bundle folder
    work_dir: Path  # mmengine's logs and full checkpoints
    max_iters: int = 6000
    batch_size: int = 8
    lr: float = 0.004
    seed: int = 0
    workers: int = 1
    init_from: Path | None = None  # a bundle to fine-tune from (classes may grow)
    name: str = "kiosk-detector"


def read_classes(annotations: Path) -> tuple[str, ...]:
    data = json.loads(annotations.read_text(encoding="utf-8"))
    categories = sorted(data["categories"], key=lambda c: c["id"])
    return tuple(c["name"] for c in categories)


def build_config(plan: TrainPlan, classes: tuple[str, ...]):
    from mmengine.config import Config

    cfg = Config.fromfile(str(BASE_CONFIG))
    cfg.classes = classes
    cfg.model.bbox_head.num_classes = len(classes)
    root = str(plan.data_root.resolve()) + "/"
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.data_root = root
        loader.dataset.metainfo = dict(classes=classes)
        loader.num_workers = plan.workers
        loader.persistent_workers = plan.workers > 0
    cfg.train_dataloader.batch_size = plan.batch_size
    cfg.val_evaluator.ann_file = root + "val/annotations.json"
    cfg.test_evaluator = cfg.val_evaluator
    cfg.train_cfg.max_iters = plan.max_iters
    cfg.train_cfg.val_interval = plan.max_iters
    warmup = min(300, max(1, plan.max_iters // 10))
    cfg.param_scheduler = [
        dict(type="LinearLR", start_factor=1e-3, by_epoch=False, begin=0, end=warmup),
        dict(type="CosineAnnealingLR", eta_min=plan.lr * 0.05, begin=plan.max_iters // 2, end=plan.max_iters,
             T_max=max(1, plan.max_iters - plan.max_iters // 2), by_epoch=False),
    ]
    cfg.optim_wrapper.optimizer.lr = plan.lr
    cfg.default_hooks.checkpoint.interval = min(1000, plan.max_iters)
    cfg.default_hooks.logger.interval = min(50, plan.max_iters)
    cfg.work_dir = str(plan.work_dir)
    cfg.randomness = dict(seed=plan.seed, deterministic=False)
    cfg.env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method="fork", opencv_num_threads=0),
                       dist_cfg=dict(backend="gloo"))
    cfg.visualizer = dict(type="DetLocalVisualizer", vis_backends=[dict(type="LocalVisBackend")], name="vis")
    return cfg


def _init_checkpoint(bundle: ModelBundle, classes: tuple[str, ...], model, out: Path) -> Path:
    """A checkpoint of ``bundle``'s weights shaped for ``model``: every layer copies over, and the class
    logits copy row by row for the classes both know (new classes keep their fresh initialisation).

    It is handed to mmengine as ``load_from``, which loads it after the model's own weight init.
    """
    import torch

    state = torch.load(bundle.file("checkpoint"), map_location="cpu", weights_only=True)["state_dict"]
    own = {k: v.clone() for k, v in model.state_dict().items()}
    old_index = {name: i for i, name in enumerate(bundle.classes)}
    for key, value in state.items():
        if key not in own:
            continue
        if own[key].shape == value.shape and bundle.classes == classes:
            own[key] = value
        elif ".rtm_cls." in key:  # (classes, C, 1, 1) weight or (classes,) bias
            for new_i, name in enumerate(classes):
                if name in old_index:
                    own[key][new_i] = value[old_index[name]]
        elif own[key].shape == value.shape:
            own[key] = value
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": own, "meta": {"init_from": str(bundle.folder)}}, out)
    return out


def slim_checkpoint(full_checkpoint: Path, out: Path, meta: dict) -> Path:
    """Keep only the weights (EMA ones: mmengine's EMAHook swaps them into ``state_dict``)."""
    import torch

    checkpoint = torch.load(full_checkpoint, map_location="cpu", weights_only=False)  # our own file
    torch.save({"state_dict": {k: v.contiguous() for k, v in checkpoint["state_dict"].items()}, "meta": meta},
               out)
    return out


def file_entry(path: Path) -> dict:
    return {"name": path.name, "sha256": sha256_of(path), "bytes": path.stat().st_size}


def write_card(out_dir: Path, card: dict) -> Path:
    path = out_dir / CARD_NAME
    path.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def train(plan: TrainPlan) -> ModelBundle:
    """Train, then write the bundle (config, slim checkpoint, ONNX, model card)."""
    from mmengine.runner import Runner


    train_ann = plan.data_root / "train" / "annotations.json"
    val_ann = plan.data_root / "val" / "annotations.json"
    for path in (train_ann, val_ann):
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no annotations (make them with `selfcheckout make-scenes`)")
    classes = read_classes(train_ann)
    if read_classes(val_ann) != classes:
        raise ValueError(f"{val_ann}: its categories differ from {train_ann}")
    cfg = build_config(plan, classes)
    if plan.init_from is not None:
        from mmdet.apis import init_detector

        fresh = init_detector(cfg, checkpoint=None, device="cpu")
        cfg.load_from = str(_init_checkpoint(ModelBundle.load(plan.init_from), classes, fresh,
                                             Path(plan.work_dir) / "init_from.pth"))
    runner = Runner.from_cfg(cfg)
    started = time.monotonic()
    runner.train()
    seconds = time.monotonic() - started
    last = Path(plan.work_dir) / f"iter_{plan.max_iters}.pth"
    return package(plan, last, plan.max_iters, seconds, model=runner.model)


def package(plan: TrainPlan, checkpoint: Path, iterations: int, seconds: float | None,
            model=None) -> ModelBundle:
    """Write the bundle for a full mmengine checkpoint of this plan's run (also an intermediate one)."""
    import mmdet
    import mmengine
    import torch
    from mmdet.apis import init_detector

    from app.training.export import export_onnx
    from app.vision.detector_mmdet import load_slim_checkpoint

    train_ann = plan.data_root / "train" / "annotations.json"
    val_ann = plan.data_root / "val" / "annotations.json"
    classes = read_classes(train_ann)
    cfg = build_config(plan, classes)
    plan.out_dir.mkdir(parents=True, exist_ok=True)
    config_path = plan.out_dir / "config.py"
    cfg.dump(str(config_path))
    meta = {"classes": list(classes), "iters": iterations, "mmdet": mmdet.__version__}
    checkpoint_path = slim_checkpoint(checkpoint, plan.out_dir / "model.pth", meta)
    input_size = tuple(cfg.input_size)
    if model is None:
        model = init_detector(cfg, checkpoint=None, device="cpu")
    load_slim_checkpoint(model, checkpoint_path)
    onnx_path = export_onnx(model.eval(), input_size, plan.out_dir / "model.onnx")

    train_info = json.loads(train_ann.read_text(encoding="utf-8")).get("info", {})
    card = {
        "name": plan.name,
        "architecture": "RTMDet-tiny (mmdet 3), trained from scratch",
        "classes": list(classes),
        "input_size": list(input_size),
        "postprocess": {"score_thr": cfg.model.test_cfg.score_thr, "nms_pre": cfg.model.test_cfg.nms_pre,
                        "iou_threshold": cfg.model.test_cfg.nms.iou_threshold,
                        "max_per_img": cfg.model.test_cfg.max_per_img},
        "training": {
            "data_root": str(plan.data_root), "data_info": train_info,
            "train_images": len(json.loads(train_ann.read_text(encoding="utf-8"))["images"]),
            "val_images": len(json.loads(val_ann.read_text(encoding="utf-8"))["images"]),
            "iterations": iterations, "planned_iterations": plan.max_iters, "batch_size": plan.batch_size,
            "lr": plan.lr, "seed": plan.seed,
            "init_from": str(plan.init_from) if plan.init_from else None,
            "seconds": round(seconds, 1) if seconds is not None else None,
            "machine": f"{platform.machine()}, {torch.get_num_threads()} threads",
            "versions": {"torch": torch.__version__, "mmdet": mmdet.__version__,
                         "mmengine": mmengine.__version__},
        },
        "metrics": {},
        "files": {"config": file_entry(config_path), "checkpoint": file_entry(checkpoint_path),
                  "onnx": file_entry(onnx_path)},
    }
    write_card(plan.out_dir, card)
    log.info("model bundle written to %s (%s iterations)", plan.out_dir, iterations)
    return ModelBundle.load(plan.out_dir)
