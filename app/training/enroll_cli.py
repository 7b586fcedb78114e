"""Subcommands ``enroll``, ``enroll-photos`` and ``model`` (restore, history): product enrollment from the
command line, for scripts, tests, and a ``QProcess`` behind the wizard's progress bar.

``selfcheckout enroll`` runs the whole flow of :mod:`app.training.enroll` from folders::

    selfcheckout enroll --sku MELONA-8P --name-ko "빙그레 메로나 8개입" --name-en "Binggrae Melona (8)" \\
        --price 4800 --class melona_multipack --photos DIR --backgrounds DIR --work WORK \\
        [--model models/kiosk_demo] [--iterations 600] [--resume] [--no-apply] [--json-progress]

``--photos DIR``: photos of the product (cut out against ``--backgrounds``, photos of the empty counter,
or against each photo's border); ``--cutouts DIR``: cutouts already made (the wizard's
``CutoutFolder``). ``--backgrounds`` also gives the scenes the store's own counter. With ``--apply``
(the default) an accepted model replaces ``--model`` (the old one kept as ``<model>.previous``) and the
product joins the catalog; ``--force`` applies a rejected one too.

``--json-progress`` prints one JSON object per line on stdout: ``{"stage", "progress" (0..1, the whole
job), "stage_progress", "message"}`` while it runs, then one final object: ``{"stage": "done",
"accepted", "reason", "metrics", "checks", "applied", "model", "seconds", "exit_code"}``, or
``{"stage": "cancelled" | "error", "message", "exit_code"}``. SIGTERM or SIGINT (``QProcess.terminate``,
Ctrl-C) cancels: the training saves a checkpoint, and the same command with ``--resume`` carries on.

Exit codes: 0 accepted (and applied unless ``--no-apply``), 1 finished but rejected (the old model
kept; the reason is printed), 2 bad input (product fields, photos that give no cutout, a work folder of
another enrollment, the SKU or class already in the catalog), 3 database error, 4 cancelled (resumable),
5 the training or packaging failed (see ``WORK/train.log``).

``selfcheckout model restore [--model DIR]`` brings ``<model>.previous`` back (and deactivates catalog
products the restored model does not know); ``selfcheckout model history`` prints the model card's
history. ``selfcheckout enroll-photos --out DIR`` writes generated photos of a demo product that the
catalog lacks (``photos/``, ``backgrounds/``), to try the flow without a camera.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)

ENROLL_DESCRIPTION = (
    "Enrol a new product from photos of it on the counter: cut it out against the empty counter, "
    "synthesise labelled scenes, fine-tune the detector, and replace the model only if the old products "
    "stay as good. Exit codes: 0 accepted, 1 rejected, 2 bad input, 3 database, 4 cancelled (--resume "
    "carries on), 5 training failed.")
EXIT_OK, EXIT_REJECTED, EXIT_INPUT, EXIT_DATABASE, EXIT_CANCELLED, EXIT_FAILED = 0, 1, 2, 3, 4, 5


def _model_dir(args: argparse.Namespace) -> Path:
    if args.model:
        return Path(args.model)
    from app.cli import _settings

    return Path(_settings(args).detector_model)


def _open_store(args: argparse.Namespace):
    from app.cli import _settings
    from app.store.startup import open_store

    return open_store(_settings(args))


class _Output:
    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.last = (None, -1)

    def event(self, obj: dict) -> None:
        from app.training.enroll_gate import dumps

        if self.json_mode:
            print(dumps(obj), flush=True)

    def progress(self, p) -> None:
        if self.json_mode:
            self.event(p.to_dict())
            return
        key = (p.stage, int(p.progress * 50))
        if key != self.last:
            self.last = key
            print(f"[{p.progress:6.1%}] {p.stage}: {p.message}", file=sys.stderr, flush=True)

    def fail(self, stage: str, message: str, code: int) -> int:
        if self.json_mode:
            self.event({"stage": stage, "message": message, "exit_code": code})
        print(f"{'cancelled' if stage == 'cancelled' else 'cannot enrol'}: {message}", file=sys.stderr)
        return code


def _spec(args: argparse.Namespace):
    from app.core.catalog import Product
    from app.training.enroll import EnrollmentSpec

    product = Product(args.sku, args.name_ko, args.name_en, args.price, args.detector_class,
                      bool(args.age_restricted))
    width, height = (int(v) for v in args.scene_size.lower().split("x"))
    return EnrollmentSpec(
        product=product, work_dir=Path(args.work), base_model=_model_dir(args),
        cutouts_dir=Path(args.cutouts) if args.cutouts else None,
        photos=tuple(Path(p) for p in args.photos or ()),
        backgrounds=tuple(Path(p) for p in args.backgrounds or ()),
        iterations=args.iterations, batch_size=args.batch_size, lr=args.lr, train_scenes=args.train_scenes,
        val_scenes=args.val_scenes, test_scenes=args.test_scenes, scene_size=(width, height),
        seed=args.seed, threads=args.threads, workers=args.workers, height_cm=args.height_cm)


def cmd_enroll(args: argparse.Namespace) -> int:
    import cv2

    from app.store.errors import StoreError
    from app.training.enroll import EnrollmentCancelledError, EnrollmentError, run_enrollment
    from app.training.enroll_apply import apply_enrollment

    out = _Output(args.json_progress)
    cv2.setNumThreads(max(1, args.threads))
    if bool(args.photos) == bool(args.cutouts):
        return out.fail("error", "give either --photos DIR or --cutouts DIR", EXIT_INPUT)
    try:
        spec = _spec(args)
    except ValueError as exc:
        return out.fail("error", f"--scene-size: {exc}", EXIT_INPUT)
    if problems := spec.problems():
        return out.fail("error", "; ".join(problems), EXIT_INPUT)
    apply = args.apply or args.force
    if apply:  # fail fast: the SKU and the class must be free in the catalog
        try:
            with _open_store(args) as store:
                catalog = store.load_catalog()
        except StoreError as exc:
            return out.fail("error", f"database: {exc}", EXIT_DATABASE)
        for p in catalog.products:
            if p.sku == spec.product.sku or p.detector_class == spec.product.detector_class:
                return out.fail("error", f"the catalog already has {p.sku} ({p.detector_class})", EXIT_INPUT)

    cancel = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: cancel.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        result = run_enrollment(spec, out.progress, cancel, resume=args.resume)
    except EnrollmentCancelledError as exc:
        return out.fail("cancelled", f"{exc}; run the same command with --resume to carry on", EXIT_CANCELLED)
    except EnrollmentError as exc:
        code = EXIT_FAILED if "training process failed" in str(exc) else EXIT_INPUT
        return out.fail("error", str(exc), code)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    applied = None
    if apply and (result.accepted or args.force):
        try:
            with _open_store(args) as store:
                applied = apply_enrollment(result, spec.base_model, store, force=args.force, actor="cli")
        except EnrollmentError as exc:
            return out.fail("error", f"not applied: {exc}", EXIT_INPUT)
        except (StoreError, ValueError) as exc:
            return out.fail("error", f"not applied (the old model is back): {exc}", EXIT_DATABASE)
    code = EXIT_OK if result.accepted else EXIT_REJECTED
    final = {"stage": "done", "progress": 1.0, "accepted": result.accepted, "reason": result.reason,
             "metrics": result.metrics, "checks": result.checks, "applied": applied is not None,
             "model": str(spec.base_model), "previous": str(applied.previous) if applied else None,
             "candidate": str(result.candidate), "seconds": result.seconds, "exit_code": code}
    if args.json_progress:
        out.event(final)
    else:
        _print_result(result, applied)
    return code


def _print_result(result, applied) -> None:
    m = result.metrics
    f = "{:.3f}".format

    def num(v) -> str:
        return "n/a" if v is None else f(v)

    print(("ACCEPTED" if result.accepted else "REJECTED") + f": {result.reason}")
    print(f"old products' checkout accuracy (test_old, {m['images']['test_old']} scenes): "
          f"{num(m['old_checkout_accuracy']['before'])} -> {num(m['old_checkout_accuracy']['after'])}")
    print(f"old products' class count accuracy: {num(m['old_class_count_accuracy']['before'])} -> "
          f"{num(m['old_class_count_accuracy']['after'])}")
    print(f"new product (test_new, {m['images']['test_new']} scenes): count accuracy "
          f"{num(m['new_class_count_accuracy']['after'])} (bar {num(m['new_class_count_accuracy']['bar'])}), "
          f"AP50 {num(m['new_class_ap50'])}, AP {num(m['new_class_ap'])}; checkout accuracy of all products "
          f"{num(m['checkout_accuracy_with_new'])}")
    print(f"mAP@0.5 on the old products' scenes: {num(m['map50_old_scenes']['before'])} -> "
          f"{num(m['map50_old_scenes']['after'])}")
    secs = result.seconds
    print(f"time: training {secs.get('training', 0):.0f} s, total {secs.get('total', 0):.0f} s "
          f"({result.iterations} iterations, batch {result.batch_size})")
    if applied is not None:
        print(f"applied: {applied.model_dir} now has {result.product.detector_class}; the previous model "
              f"is in {applied.previous} (`selfcheckout model restore` brings it back)")
    else:
        print(f"not applied; the candidate model is in {result.candidate}")


def cmd_model(args: argparse.Namespace) -> int:
    from app.store.errors import StoreError
    from app.training.enroll import EnrollmentError
    from app.training.enroll_apply import restore_previous_model
    from app.vision.detection import ModelBundle, ModelError

    model = _model_dir(args)
    if args.action == "history":
        try:
            card = ModelBundle.load(model).card
        except ModelError as exc:
            print(f"cannot read the model: {exc}", file=sys.stderr)
            return 2
        history = card.get("history") or []
        if args.json:
            print(json.dumps(history, ensure_ascii=False, indent=1))
        else:
            for h in history:
                when = h.get("when", "")
                print(f"- {h.get('stage', '')} {when} {h.get('what', '')}".replace("  ", " "))
        return 0
    try:
        store = None if args.no_catalog else _open_store(args)
        try:
            restored = restore_previous_model(model, store, actor="cli")
        finally:
            if store is not None:
                store.close()
    except EnrollmentError as exc:
        print(f"cannot restore: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:
        print(f"database error: {exc}", file=sys.stderr)
        return 3
    print(f"restored {restored.model_dir} ({len(restored.classes)} classes); the replaced model is in "
          f"{restored.previous}" + (f"; deactivated {', '.join(restored.deactivated)}" if restored.deactivated
                                   else ""))
    return 0


def cmd_enroll_photos(args: argparse.Namespace) -> int:
    from app.training.enroll_photos import DEMO_NEW_PRODUCT, DEMO_NEW_PRODUCT_FIELDS, photograph, write_photos

    photos = photograph(DEMO_NEW_PRODUCT, args.count, seed=args.seed, empty_frames=args.empty)
    photo_dir, bg_dir = write_photos(photos, args.out)
    f = DEMO_NEW_PRODUCT_FIELDS
    print(f"wrote {len(photos.photos)} photos of {f['name_en']} to {photo_dir} and {len(photos.backgrounds)} "
          f"of the empty counter to {bg_dir}; enrol it with:\n"
          f"  selfcheckout enroll --sku {f['sku']} --name-ko '{f['name_ko']}' --name-en '{f['name_en']}' "
          f"--price {f['price_won']} --class {f['detector_class']} --photos {photo_dir} "
          f"--backgrounds {bg_dir} --work WORK")
    return 0


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``enroll``, ``enroll-photos`` and ``model`` on ``subparsers``."""
    p = subparsers.add_parser("enroll", help="enrol a new product from photos without labelling",
                              description=ENROLL_DESCRIPTION)
    g = p.add_argument_group("the product")
    g.add_argument("--sku", required=True)
    g.add_argument("--name-ko", required=True, help="Korean name")
    g.add_argument("--name-en", required=True, help="English name")
    g.add_argument("--price", type=int, required=True, help="price in won")
    g.add_argument("--class", dest="detector_class", required=True, help="detector class (a-z, 0-9, _)")
    g.add_argument("--age-restricted", action="store_true", help="sold only after an age check")
    g = p.add_argument_group("the pictures")
    g.add_argument("--photos", nargs="+", metavar="DIR", help="photos of the product (folders or files)")
    g.add_argument("--cutouts", metavar="DIR", help="cutouts already made (BGRA PNGs + cutouts.json)")
    g.add_argument("--backgrounds", nargs="+", metavar="DIR",
                   help="photos of the empty counter (cutting out, and the scenes' backgrounds)")
    g.add_argument("--height-cm", type=float, help="how far the product rises above the counter (shadows)")
    g = p.add_argument_group("the job")
    g.add_argument("--model", help="the active model folder (default: the detector_model setting)")
    g.add_argument("--work", required=True, help="work folder (cutouts, scenes, checkpoints, candidate)")
    g.add_argument("--iterations", type=int, default=600,
                   help="fine-tuning iterations (about 1.2 s each at batch 8 on 2 cores)")
    g.add_argument("--batch-size", type=int, default=8)
    g.add_argument("--lr", type=float, default=0.0007)
    g.add_argument("--train-scenes", type=int, default=1500)
    g.add_argument("--val-scenes", type=int, default=50)
    g.add_argument("--test-scenes", type=int, default=200, help="held-out scenes per test split")
    g.add_argument("--scene-size", default="320x240", help="WIDTHxHEIGHT of the scenes")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--threads", type=int, default=1, help="CPU threads (training, inference, OpenCV)")
    g.add_argument("--workers", type=int, default=0, help="data-loader processes of the training")
    g.add_argument("--resume", action="store_true", help="carry on a cancelled or failed job in --work")
    g.add_argument("--apply", action=argparse.BooleanOptionalAction, default=True,
                   help="put an accepted model in place and add the product to the catalog")
    g.add_argument("--force", action="store_true", help="apply the new model even if it was rejected")
    g.add_argument("--json-progress", action="store_true", help="one JSON object per line on stdout")
    p.set_defaults(func=cmd_enroll)

    p = subparsers.add_parser("enroll-photos", help="generated photos of a demo product to try `enroll` with")
    p.add_argument("--out", required=True, help="folder for photos/ and backgrounds/")
    p.add_argument("--count", type=int, default=8, help="photos of the product")
    p.add_argument("--empty", type=int, default=5, help="photos of the empty counter")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_enroll_photos)

    p = subparsers.add_parser("model", help="the active detector model: restore the previous one, history")
    p.add_argument("action", choices=("restore", "history"))
    p.add_argument("--model", help="the model folder (default: the detector_model setting)")
    p.add_argument("--no-catalog", action="store_true", help="restore: leave the catalog as it is")
    p.add_argument("--json", action="store_true", help="history: print JSON")
    p.set_defaults(func=cmd_model)
