"""Subcommands for the product detector: ``train``, ``evaluate`` and ``export``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from app.core.settings import MODELS_DIR
from app.vision.detection import BACKENDS, ModelError

log = logging.getLogger(__name__)

DEFAULT_MODEL = MODELS_DIR / "kiosk_demo"


def cmd_train(args: argparse.Namespace) -> int:
    import re

    from app.training.train import TrainPlan, package, train

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    plan = TrainPlan(data_root=Path(args.data), out_dir=Path(args.out),
                     work_dir=Path(args.work_dir or Path(args.data) / "work"), max_iters=args.iters,
                     batch_size=args.batch_size, lr=args.lr, seed=args.seed, workers=args.workers,
                     init_from=Path(args.init_from) if args.init_from else None)
    try:
        if args.package_from:  # an intermediate checkpoint of this run, e.g. WORK/iter_3000.pth
            found = re.search(r"iter_(\d+)\.pth$", args.package_from)
            iterations = int(found.group(1)) if found else plan.max_iters
            bundle = package(plan, Path(args.package_from), iterations, seconds=None)
        else:
            bundle = train(plan)
    except (FileNotFoundError, ValueError, ModelError) as exc:
        print(f"cannot train: {exc}", file=sys.stderr)
        return 2
    print(f"model written to {bundle.folder} ({len(bundle.classes)} classes); evaluate it with "
          f"`selfcheckout evaluate --model {bundle.folder} --data {args.data}/val`")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from app.training.evaluate import evaluate_bundle, record_metrics
    from app.training.metrics import format_report
    from app.vision.detection import open_detector

    annotations = Path(args.data) / "annotations.json"
    try:
        detector = open_detector(args.model, args.backend)
        result = evaluate_bundle(detector, annotations, args.score_thr)
    except (ModelError, OSError) as exc:
        print(f"cannot evaluate: {exc}", file=sys.stderr)
        return 2
    if args.record:
        record_metrics(detector.bundle, result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(format_report(result))
        print(f"backend {result['backend']}, {result['ms_per_image_including_io']} ms per image (with I/O)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import cv2

    from app.training.export import compare_backends, export_onnx
    from app.training.train import file_entry, write_card
    from app.vision.detection import ModelBundle, open_detector

    try:
        mmdet_detector = open_detector(args.model, "mmdet")
        bundle = mmdet_detector.bundle
        path = export_onnx(mmdet_detector.model, bundle.input_size, bundle.folder / "model.onnx")
        card = dict(bundle.card)
        card["files"] = {**card["files"], "onnx": file_entry(path)}
        write_card(bundle.folder, card)
        onnx_detector = open_detector(args.model, "onnxruntime")
    except (ModelError, OSError) as exc:
        print(f"cannot export: {exc}", file=sys.stderr)
        return 2
    frames = []
    if args.check_images:
        annotations = json.loads((Path(args.check_images) / "annotations.json").read_text(encoding="utf-8"))
        for image in annotations["images"][: args.check_count]:
            frames.append(cv2.imread(str(Path(args.check_images) / image["file_name"])))
    report = compare_backends(mmdet_detector, onnx_detector, frames) if frames else None
    print(f"exported {path}")
    if report is not None:
        print(f"parity on {report.frames} frames: max network output difference "
              f"{report.max_raw_abs_diff:.2e}, "
              f"{report.matched_boxes}/{report.total_boxes} boxes matched, max box difference "
              f"{report.max_box_abs_diff:.3f} px, max score difference {report.max_score_abs_diff:.2e}, "
              f"{report.label_mismatches} label mismatches -> {'OK' if report.ok else 'MISMATCH'}")
        ModelBundle.load(bundle.folder)
        return 0 if report.ok else 1
    return 0


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="train the product detector (mmdet) and write a model bundle")
    p.add_argument("--data", required=True, help="folder with train/ and val/ made by make-scenes")
    p.add_argument("--out", default=str(DEFAULT_MODEL), help="model bundle folder to write")
    p.add_argument("--iters", type=int, default=5000, help="training iterations")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=0.004)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=1, help="data loader processes")
    p.add_argument("--threads", type=int, default=0,
                   help="torch threads (0: all cores; 1 is faster when other work shares the CPU)")
    p.add_argument("--work-dir", help="mmengine logs and full checkpoints (default: DATA/work)")
    p.add_argument("--init-from", help="fine-tune from this model bundle instead of from scratch")
    p.add_argument("--package-from", help="do not train: write the bundle from this checkpoint of the run")
    p.set_defaults(func=cmd_train)

    p = subparsers.add_parser("evaluate", help="COCO mAP and checkout accuracy on a held-out split")
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="model bundle folder")
    p.add_argument("--data", required=True, help="a split folder with annotations.json (e.g. DATA/val)")
    p.add_argument("--backend", choices=BACKENDS, default="onnxruntime")
    p.add_argument("--score-thr", type=float, default=0.5, help="score at which an item counts at checkout")
    p.add_argument("--record", action="store_true", help="write the metrics into the model card")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_evaluate)

    p = subparsers.add_parser("export", help="export the detector to ONNX and check it against mmdet")
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="model bundle folder")
    p.add_argument("--check-images", help="a split folder whose images are used for the parity check")
    p.add_argument("--check-count", type=int, default=20)
    p.set_defaults(func=cmd_export)
