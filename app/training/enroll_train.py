"""The enrollment's training process: fine-tune, package, export and check, in a child process.

``python -m app.training.enroll_train PLAN.json`` is started by :mod:`app.training.enroll` so the
training can be stopped at any time (SIGTERM/SIGINT: it saves a checkpoint at the end of the current
iteration and exits with :data:`EXIT_CANCELLED`) and resumed later from the newest checkpoint in the
work folder (``resume`` in the plan: mmengine's own resume, with the optimizer, the schedule and the EMA
weights). It prints one line per event on stdout, each ``@enroll `` followed by a JSON object:
``{"event": "iter", "iter": i, "max_iters": n, "loss": x}``, ``{"event": "stage", "stage": "package"}``,
``{"event": "done", ...}``; everything else it prints (mmengine's log) is for the log file.

The plan (JSON) holds the :class:`~app.training.train.TrainPlan` fields (paths as strings) plus
``threads``, ``resume``, ``checkpoint_interval`` and ``parity_images`` (images for the ONNX-vs-mmdet
check). Exit codes: 0 done, :data:`EXIT_CANCELLED` stopped on request, 1 failed (message on stderr).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
import zipfile
from pathlib import Path

log = logging.getLogger(__name__)

MARKER = "@enroll "
EXIT_CANCELLED = 4
TRAIN_DONE = "train_done.json"
TIMES = "train_seconds.json"
PARITY = "parity.json"

_stop = False


def emit(**event) -> None:
    print(MARKER + json.dumps(event), flush=True)


def _on_signal(signum, frame) -> None:
    global _stop
    _stop = True


def latest_checkpoint(work_dir: Path) -> Path | None:
    """The newest whole checkpoint mmengine recorded in ``work_dir`` (``last_checkpoint``), or None."""
    record = work_dir / "last_checkpoint"
    if not record.is_file():
        return None
    path = Path(record.read_text(encoding="utf-8").strip())
    if not path.is_absolute():
        path = work_dir / path
    try:
        with zipfile.ZipFile(path) as z:  # torch checkpoints are zip files; a cut one has no directory
            z.namelist()
    except (OSError, zipfile.BadZipFile):
        log.warning("%s: not a whole checkpoint; starting over", path)
        return None
    return path


def _trust_own_checkpoints(work_dir: Path) -> None:
    """mmengine loads checkpoints with ``torch.load`` defaults, which refuse its own full checkpoints
    (torch >= 2.6). Files this run wrote into its work folder are loaded in full; others weights-only."""
    import torch
    from mmengine.runner.checkpoint import CheckpointLoader

    root = work_dir.resolve()

    @CheckpointLoader.register_scheme(prefixes="", force=True)
    def _load_local(filename, map_location=None):
        path = Path(filename).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"{filename} can not be found.")
        own = root in path.parents
        return torch.load(path, map_location=map_location, weights_only=not own)


def _progress_hook(max_iters: int):
    from mmengine.hooks import Hook

    class EnrollProgressHook(Hook):
        priority = "VERY_LOW"  # after the checkpoint hook

        def __init__(self) -> None:
            self.last = 0.0

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
            done = runner.iter + 1
            now = time.monotonic()
            if now - self.last >= 1.0 or done == max_iters or _stop:
                loss = outputs.get("loss") if isinstance(outputs, dict) else None
                emit(event="iter", iter=done, max_iters=max_iters,
                     loss=round(float(loss), 4) if loss is not None else None)
                self.last = now
            if _stop and done < max_iters:
                name = f"iter_{done}.pth"
                runner.save_checkpoint(runner.work_dir, name, by_epoch=False)
                (Path(runner.work_dir) / "last_checkpoint").write_text(
                    str(Path(runner.work_dir) / name), encoding="utf-8")
                emit(event="cancelled", iter=done)
                sys.stdout.flush()
                os._exit(EXIT_CANCELLED)

    return EnrollProgressHook()


def _add_seconds(work_dir: Path, seconds: float) -> float:
    path = work_dir / TIMES
    total = json.loads(path.read_text(encoding="utf-8"))["seconds"] if path.is_file() else 0.0
    total += seconds
    path.write_text(json.dumps({"seconds": round(total, 1)}), encoding="utf-8")
    return total


def run(plan_file: Path) -> int:
    raw = json.loads(plan_file.read_text(encoding="utf-8"))
    threads = int(raw.get("threads") or 1)
    import torch

    torch.set_num_threads(threads)
    from mmengine.runner import Runner

    from app.training.train import TrainPlan, _init_checkpoint, build_config, package, read_classes
    from app.vision.detection import ModelBundle

    plan = TrainPlan(data_root=Path(raw["data_root"]), out_dir=Path(raw["out_dir"]),
                     work_dir=Path(raw["work_dir"]), max_iters=int(raw["max_iters"]),
                     batch_size=int(raw["batch_size"]), lr=float(raw["lr"]), seed=int(raw["seed"]),
                     workers=int(raw.get("workers", 0)), init_from=Path(raw["init_from"]),
                     name=str(raw.get("name", "kiosk-detector")))
    plan.work_dir.mkdir(parents=True, exist_ok=True)
    _trust_own_checkpoints(plan.work_dir)
    classes = read_classes(plan.data_root / "train" / "annotations.json")
    done_file = plan.work_dir / TRAIN_DONE
    model = None
    if not done_file.is_file():
        cfg = build_config(plan, classes)
        cfg.default_hooks.checkpoint.interval = max(1, int(raw.get("checkpoint_interval") or plan.max_iters))
        cfg.default_hooks.checkpoint.max_keep_ckpts = 2
        latest = latest_checkpoint(plan.work_dir) if raw.get("resume") else None
        if latest is not None:
            cfg.resume, cfg.load_from = True, str(latest)
            emit(event="resume", checkpoint=str(latest))
        else:
            from mmdet.apis import init_detector

            fresh = init_detector(cfg, checkpoint=None, device="cpu")
            cfg.resume = False
            cfg.load_from = str(_init_checkpoint(ModelBundle.load(plan.init_from), classes, fresh,
                                                 plan.work_dir / "init_from.pth"))
            del fresh
        runner = Runner.from_cfg(cfg)
        runner.register_hook(_progress_hook(plan.max_iters), priority="VERY_LOW")
        emit(event="stage", stage="train")
        started = time.monotonic()
        try:
            runner.train()
        finally:
            seconds = _add_seconds(plan.work_dir, time.monotonic() - started)
        model = runner.model
        done_file.write_text(json.dumps({"iterations": plan.max_iters, "seconds": round(seconds, 1)}),
                             encoding="utf-8")
    seconds = json.loads(done_file.read_text(encoding="utf-8"))["seconds"]
    if _stop:
        emit(event="cancelled", iter=plan.max_iters)
        return EXIT_CANCELLED
    emit(event="stage", stage="package")
    bundle = package(plan, plan.work_dir / f"iter_{plan.max_iters}.pth", plan.max_iters, seconds, model=model)
    if _stop:
        emit(event="cancelled", iter=plan.max_iters)
        return EXIT_CANCELLED
    emit(event="stage", stage="parity")
    report = _parity(bundle.folder, [Path(p) for p in raw.get("parity_images", [])], threads)
    (plan.work_dir / PARITY).write_text(json.dumps(report), encoding="utf-8")
    emit(event="done", bundle=str(bundle.folder), seconds=seconds, parity=report)
    return 0


def _parity(folder: Path, images: list[Path], threads: int) -> dict:
    """The ONNX file against mmdet on ``images`` (``ok`` is ``ParityReport.ok``)."""
    import cv2

    from app.training.export import compare_backends
    from app.vision.detection import open_detector

    frames = [f for p in images if (f := cv2.imread(str(p))) is not None]
    if not frames:
        return {"ok": True, "frames": 0}
    report = compare_backends(open_detector(folder, "mmdet"), open_detector(folder, "onnxruntime", threads),
                              frames)
    return {"ok": bool(report.ok), "frames": report.frames, "matched_boxes": report.matched_boxes,
            "total_boxes": report.total_boxes, "max_box_abs_diff": round(report.max_box_abs_diff, 4),
            "max_score_abs_diff": float(report.max_score_abs_diff),
            "label_mismatches": report.label_mismatches}


def _die_with_parent() -> None:
    """Ask Linux for SIGTERM when the enrollment process that started this one dies (so a killed kiosk or
    CLI leaves no training behind); the signal handler then saves a checkpoint and exits."""
    parent = os.environ.get("SELFCHECKOUT_ENROLL_PARENT")
    if not parent or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != int(parent):  # the parent died before prctl took effect
        _on_signal(signal.SIGTERM, None)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m app.training.enroll_train PLAN.json", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    _die_with_parent()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return run(Path(args[0]))
    except Exception as exc:
        log.exception("enrollment training failed")
        print(f"training failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
