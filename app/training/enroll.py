"""Enrol a new product without labelling: cutouts -> synthetic scenes -> fine-tune -> gate.

The job (no Qt; a wizard runs it in a worker thread, or runs ``selfcheckout enroll --json-progress``
as a ``QProcess`` and reads one JSON object per line)::

    spec = EnrollmentSpec(product=Product(sku, name_ko, name_en, price_won, detector_class, age),
                          work_dir=work, base_model=Path(settings.detector_model),
                          backgrounds=(work / "backgrounds",), iterations=600)
    cancel = threading.Event()                       # cancel.set() from the UI stops the job
    result = run_enrollment(spec, progress=on_progress, cancel=cancel, resume=False)
    # on_progress(Progress): .stage, .progress (0..1 over the whole job), .stage_progress, .message
    # EnrollmentCancelledError: stopped; run_enrollment(spec, ..., resume=True) carries on where it was
    # result.accepted / result.reason / result.metrics; then, when the operator confirms:
    apply_enrollment(result, model_dir, store)       # app.training.enroll_apply
    restore_previous_model(model_dir, store)         # undo, later

The cutouts come from the wizard (``app.training.cutout``: ``work/cutouts``, and the empty-counter
frames in ``work/backgrounds``) or from ``spec.photos``: photos of the product, cut out against
``spec.backgrounds`` (or each photo's border) in the first stage.

Stages and what a resumed job reuses (everything lives in ``spec.work_dir``; ``enrollment.json``
holds the spec's fingerprint, and ``resume=True`` refuses a work folder made with other settings):

1. ``cutouts`` (only with ``photos``): ``cutouts/`` (+ ``cutouts/refused.json``);
2. ``scenes``: ``scenes/{train,val,test_old,test_new}`` (COCO; the class list is the base model's
   classes in their order with the new class appended); a finished split has ``scenes/<split>.done``;
3. ``train``: ``python -m app.training.enroll_train`` in a child process (mmdet fine-tune from the base
   model with the class rows remapped, ``train/`` holds mmengine's checkpoints: a resumed job continues
   from the newest; cancelling saves one at the current iteration), then ``package``: the candidate
   bundle ``candidate/`` (config, slim checkpoint, ONNX, model card) and the ONNX-vs-mmdet parity check;
4. ``evaluate``: the old and the candidate model on the held-out ``test_old`` and ``test_new`` scenes;
5. ``decide``: :func:`app.training.enroll_gate.decide`; ``result.json`` (:class:`EnrollmentResult`).

Nothing here touches the active model or the catalog: that is :mod:`app.training.enroll_apply`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.training.enroll_spec import (  # noqa: F401 - the job's values, re-exported for its callers
    DEFAULT_BASE_MODEL,
    RESULT,
    SPLITS,
    STATE,
    CancelFlag,
    EnrollmentCancelledError,
    EnrollmentError,
    EnrollmentResult,
    EnrollmentSpec,
    Progress,
    ProgressCallback,
    WorkState,
    product_problems,
    work_state,
)

log = logging.getLogger(__name__)

# -- helpers ------------------------------------------------------------------------------------------


def _images_in(paths: Sequence[Path]) -> list[Path]:
    from app.training.cutout import IMAGE_SUFFIXES

    out = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(q for q in p.iterdir() if q.suffix.lower() in IMAGE_SUFFIXES)
        elif p.is_file():
            out.append(p)
        else:
            raise EnrollmentError(f"{p}: no such file or folder")
    return out


def _files_digest(paths: Sequence[Path]) -> list:
    return [[str(p), p.stat().st_size, int(p.stat().st_mtime)] for p in paths]


def _fingerprint(spec: EnrollmentSpec, base_sha: str) -> str:
    d = spec.to_dict()
    for key in ("threads", "workers", "work_dir"):
        d.pop(key, None)
    d["base_sha"] = base_sha
    d["photos"] = _files_digest(_images_in(spec.photos))
    d["backgrounds"] = _files_digest(_images_in(spec.backgrounds))
    if not spec.photos:
        manifest = spec.cutouts / "cutouts.json"
        d["cutouts_manifest"] = manifest.read_text(encoding="utf-8") if manifest.is_file() else ""
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


def _read_backgrounds(spec: EnrollmentSpec) -> list:
    import cv2

    frames = []
    for p in _images_in(spec.backgrounds):
        image = cv2.imread(str(p), cv2.IMREAD_COLOR)
        if image is None:
            raise EnrollmentError(f"{p}: not a readable image")
        frames.append(image)
    return frames


def _checkpoint_interval(spec: EnrollmentSpec) -> int:
    if spec.checkpoint_every > 0:
        return spec.checkpoint_every
    return max(1, min(200, max(10, spec.iterations // 10), spec.iterations))


class _Reporter:
    """Turns stage-local progress into the job's overall 0..1 (weights = expected seconds)."""

    def __init__(self, weights: dict[str, float], callback: ProgressCallback | None,
                 cancel: CancelFlag | None) -> None:
        total = sum(weights.values()) or 1.0
        self.start: dict[str, float] = {}
        self.share: dict[str, float] = {}
        acc = 0.0
        for name, w in weights.items():
            self.start[name], self.share[name] = acc / total, w / total
            acc += w
        self.callback = callback
        self.cancel = cancel

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise EnrollmentCancelledError("enrollment cancelled")

    def __call__(self, stage: str, fraction: float, message: str, **detail: Any) -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        overall = self.start.get(stage, 1.0) + self.share.get(stage, 0.0) * fraction
        if self.callback is not None:
            self.callback(Progress(stage, min(overall, 1.0), message, fraction, detail))
        self.check()


# -- the job ------------------------------------------------------------------------------------------


class EnrollmentJob:
    """One enrollment run; :meth:`run` blocks (call it from a worker thread in a GUI)."""

    def __init__(self, spec: EnrollmentSpec, progress: ProgressCallback | None = None,
                 cancel: CancelFlag | None = None, resume: bool = False) -> None:
        self.spec = spec
        self.work = Path(spec.work_dir)
        self.resume = resume
        self.cancel = cancel
        self.seconds: dict[str, float] = {}
        has_photos = bool(spec.photos)
        n_scenes = spec.train_scenes + spec.val_scenes + 2 * spec.test_scenes
        weights = {"prepare": 0.0, "cutouts": 2.0 if has_photos else 0.0, "scenes": 0.06 * n_scenes,
                   "train": 25 + spec.iterations * 0.15 * spec.batch_size + 0.05 * spec.val_scenes,
                   "package": 30.0, "evaluate": 5 + 0.04 * 3 * spec.test_scenes, "decide": 0.1}
        self.report = _Reporter(weights, progress, cancel)

    # stage 0: the work folder and its state
    def _prepare(self) -> tuple[Any, str]:
        from app.vision.detection import ModelBundle, ModelError

        spec = self.spec
        if problems := spec.problems():
            raise EnrollmentError("; ".join(problems))
        try:
            base = ModelBundle.load(spec.base_model)
        except ModelError as exc:
            raise EnrollmentError(f"base model: {exc}") from exc
        if spec.product.detector_class in base.classes:
            raise EnrollmentError(f"the model {spec.base_model} already knows "
                                  f"{spec.product.detector_class!r}")
        base_sha = base.card["files"]["checkpoint"]["sha256"]
        self.work.mkdir(parents=True, exist_ok=True)
        fingerprint = _fingerprint(spec, base_sha)
        state_path = self.work / STATE
        if state_path.is_file():
            state = json.loads(state_path.read_text(encoding="utf-8"))
            if self.resume and state.get("fingerprint") != fingerprint:
                raise EnrollmentError(f"{self.work} holds an enrollment with other settings or inputs; "
                                      "start it again without resume, or use another work folder")
            if not self.resume:
                self._clear()
        elif self.resume:
            log.info("nothing to resume in %s; starting", self.work)
        state_path.write_text(json.dumps({"fingerprint": fingerprint, "spec": spec.to_dict()}, indent=1,
                                         ensure_ascii=False) + "\n", encoding="utf-8")
        return base, base_sha

    def _clear(self) -> None:
        for name in ("scenes", "train", "candidate"):
            shutil.rmtree(self.work / name, ignore_errors=True)
        for name in (RESULT, "train.log"):
            (self.work / name).unlink(missing_ok=True)
        if self.spec.photos:
            shutil.rmtree(self.spec.cutouts, ignore_errors=True)

    def run(self) -> EnrollmentResult:
        started = time.monotonic()
        base, base_sha = self._prepare()
        self.report("prepare", 0.0, "starting")
        backgrounds = _read_backgrounds(self.spec)
        if self.spec.photos:
            self._timed("cutouts", self._cut_photos, backgrounds)
        n_cutouts = self._check_cutouts()
        classes = [*base.classes, self.spec.product.detector_class]
        self._timed("scenes", self._write_scenes, base, classes, backgrounds)
        done = self._timed("train_process", self._train_and_package)
        self.seconds["training"] = round(float(done["seconds"]), 1)  # the training loop, all sessions
        numbers = self._timed("evaluate", self._evaluate, base)
        from app.training.enroll_gate import decide, summary

        decision = decide(numbers["before_old"], numbers["after_old"], numbers["after_new"],
                          bool(done["parity"].get("ok", False)))
        self.seconds["total"] = round(time.monotonic() - started, 1)
        result = EnrollmentResult(
            accepted=decision.accepted, reason=decision.reason,
            metrics=summary(numbers["before_old"], numbers["after_old"], numbers["after_new"], decision),
            checks=[asdict(c) for c in decision.checks], details={**numbers, "parity": done["parity"]},
            product=self.spec.product, classes=classes, base_model=Path(self.spec.base_model),
            candidate=self.work / "candidate", work_dir=self.work, iterations=self.spec.iterations,
            batch_size=self.spec.batch_size, lr=self.spec.lr, seconds=self.seconds, cutouts=n_cutouts,
            finished_at=time.strftime("%Y-%m-%d %H:%M:%S"), base_checkpoint_sha256=base_sha)
        result.save()
        self.report("decide", 1.0, result.reason, accepted=result.accepted)
        return result

    def _timed(self, name: str, fn, *args):
        t = time.monotonic()
        try:
            return fn(*args)
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.monotonic() - t, 1)

    # stage 1: cutouts from photos
    def _cut_photos(self, backgrounds: list) -> None:
        import cv2

        from app.training.cutout import CutoutFolder, cutouts_from_photos

        folder = CutoutFolder(self.spec.cutouts)
        if self.resume and folder.entries:
            self.report("cutouts", 1.0, f"{len(folder.entries)} cutouts already made")
            return
        shutil.rmtree(folder.path, ignore_errors=True)
        paths = _images_in(self.spec.photos)
        if not paths:
            raise EnrollmentError("no photos of the product found in "
                                  + ", ".join(map(str, self.spec.photos)))
        refused = []
        for i, path in enumerate(paths):
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                refused.append({"photo": str(path), "reason": "unreadable",
                                "message": "not a readable image"})
                continue
            [(_, result)] = cutouts_from_photos([(path, image)], backgrounds)
            if result.ok:
                folder.add(result, source=str(path))
            else:
                refused.append({"photo": str(path), "reason": result.reason, "message": result.message})
            self.report("cutouts", (i + 1) / len(paths), f"{path.name}: {result.reason or 'ok'}",
                        photo=str(path), ok=result.ok, reason=result.reason)
        folder.path.mkdir(parents=True, exist_ok=True)
        (folder.path / "refused.json").write_text(json.dumps(refused, ensure_ascii=False, indent=1) + "\n",
                                                  encoding="utf-8")
        if not folder.entries:
            reasons = "; ".join(f"{Path(r['photo']).name}: {r['message']}" for r in refused[:5])
            raise EnrollmentError(f"no usable cutout in {len(paths)} photos ({reasons})")

    def _check_cutouts(self) -> int:
        from app.training.cutout import CutoutFolder

        try:
            loaded = CutoutFolder(self.spec.cutouts).load()
        except (OSError, ValueError) as exc:
            raise EnrollmentError(f"cutouts: {exc}") from exc
        if not loaded:
            raise EnrollmentError(f"{self.spec.cutouts}: no cutouts of the product")
        if len(loaded) < 3:
            log.warning("only %d cutouts: the product is learnt from few views", len(loaded))
        return len(loaded)

    # stage 2: scenes
    def generator(self, base, classes: list[str], backgrounds: list, split: str):
        """The scene generator of ``split`` (train/val: the new class in ``new_class_rate`` of the scenes
        on top of its fair share; test_old: never; test_new: always)."""
        from app.training.enroll_scenes import CutoutProduct, EnrollSceneGenerator
        from app.training.packaging import load_packaging
        from app.training.scenes import SceneConfig

        spec = self.spec
        packaging = load_packaging(spec.packaging)
        cutouts = {spec.product.detector_class: CutoutProduct.from_folder(
            spec.product.detector_class, spec.cutouts, height_cm=spec.height_cm)}
        enrolled = Path(base.folder) / "enrolled"
        for name in base.classes:
            if name not in packaging and (enrolled / name).is_dir():
                cutouts[name] = CutoutProduct.from_folder(name, enrolled / name)
        width, height = spec.scene_size
        config = SceneConfig(width=width, height=height, photo_rate=spec.photo_rate)
        new = spec.product.detector_class
        kwargs: dict[str, Any] = {"focus": new, "focus_rate": spec.new_class_rate}
        if split == "test_old":
            kwargs = {"exclude": [new]}
        elif split == "test_new":
            kwargs = {"focus": new, "focus_rate": 1.0}
        try:
            return EnrollSceneGenerator(classes, packaging, cutouts, config, backgrounds, **kwargs)
        except ValueError as exc:
            raise EnrollmentError(f"cannot draw the scenes: {exc}") from exc

    def _write_scenes(self, base, classes: list[str], backgrounds: list) -> None:
        from app.training.scenes import SceneError, write_dataset

        spec = self.spec
        counts = {"train": spec.train_scenes, "val": spec.val_scenes, "test_old": spec.test_scenes,
                  "test_new": spec.test_scenes}
        seeds = {name: spec.seed * 10 + i + 1 for i, name in enumerate(SPLITS)}
        total = sum(counts.values())
        done_before = 0
        root = self.work / "scenes"
        for split in SPLITS:
            marker = root / f"{split}.done"
            if self.resume and marker.is_file() and (root / split / "annotations.json").is_file():
                done_before += counts[split]
                continue
            marker.unlink(missing_ok=True)
            shutil.rmtree(root / split, ignore_errors=True)
            generator = self.generator(base, classes, backgrounds, split)

            def tick(i: int, n: int, split: str = split, offset: int = done_before) -> None:
                if i == n or i % 10 == 0:
                    self.report("scenes", (offset + i) / total, f"{split}: {i}/{n} scenes")
                else:
                    self.report.check()

            try:
                write_dataset(generator, root / split, counts[split], seeds[split], progress=tick)
            except SceneError as exc:
                raise EnrollmentError(f"cannot place the scenes: {exc}") from exc
            marker.write_text(json.dumps({"count": counts[split], "seed": seeds[split]}), encoding="utf-8")
            done_before += counts[split]

    # stage 3: training in a child process, then package + parity
    def _train_and_package(self) -> dict:
        from app.training.enroll_process import finished_training

        spec = self.spec
        train_dir = self.work / "train"
        train_dir.mkdir(parents=True, exist_ok=True)
        candidate = self.work / "candidate"
        if not self.resume:
            shutil.rmtree(candidate, ignore_errors=True)
        elif (finished := finished_training(train_dir, candidate)) is not None:
            self.report("package", 1.0, "the new model was already written")
            return finished
        test_new = self.work / "scenes" / "test_new"
        images = json.loads((test_new / "annotations.json").read_text(encoding="utf-8"))["images"]
        plan = {"data_root": str(self.work / "scenes"), "out_dir": str(candidate), "work_dir": str(train_dir),
                "max_iters": spec.iterations, "batch_size": spec.batch_size, "lr": spec.lr, "seed": spec.seed,
                "workers": spec.workers, "init_from": str(Path(spec.base_model).resolve()),
                "name": _card_name(spec.base_model), "threads": spec.threads, "resume": self.resume,
                "checkpoint_interval": _checkpoint_interval(spec),
                "parity_images": [str(test_new / img["file_name"]) for img in images[:spec.parity_images]]}
        plan_path = train_dir / "plan.json"
        plan_path.write_text(json.dumps(plan, indent=1), encoding="utf-8")
        from app.training.enroll_process import run_training_process

        return run_training_process(plan_path, self.work / "train.log", spec.threads, self.report)

    # stage 4: evaluation
    def _evaluate(self, base) -> dict:
        from app.training.enroll_gate import measure
        from app.vision.detection import open_detector

        spec = self.spec
        old = list(base.classes)
        new = spec.product.detector_class
        scenes = self.work / "scenes"
        self.report("evaluate", 0.0, "old model on the old products' scenes")
        before_old = measure(open_detector(spec.base_model, "onnxruntime", spec.threads),
                             scenes / "test_old" / "annotations.json", old, new)
        self.report("evaluate", 0.4, "new model on the old products' scenes")
        candidate = open_detector(self.work / "candidate", "onnxruntime", spec.threads)
        after_old = measure(candidate, scenes / "test_old" / "annotations.json", old, new)
        self.report("evaluate", 0.75, "new model on scenes with the new product")
        after_new = measure(candidate, scenes / "test_new" / "annotations.json", old, new)
        self.report("evaluate", 1.0, "evaluated")
        return {"before_old": before_old, "after_old": after_old, "after_new": after_new}


def _card_name(model_dir: Path) -> str:
    try:
        return str(json.loads((Path(model_dir) / "model_card.json").read_text(encoding="utf-8"))["name"])
    except (OSError, KeyError, json.JSONDecodeError):
        return "kiosk-detector"


def run_enrollment(spec: EnrollmentSpec, progress: ProgressCallback | None = None,
                   cancel: CancelFlag | None = None, resume: bool = False) -> EnrollmentResult:
    """Run the whole job (see the module docstring); raises :class:`EnrollmentCancelledError` when
    ``cancel`` is set, :class:`EnrollmentError` when it cannot go on."""
    return EnrollmentJob(spec, progress, cancel, resume).run()

