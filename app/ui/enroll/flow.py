"""The enrollment wizard's rules, without Qt: the product's field checks, the work folder, jobs left
from an earlier session, and how long a run takes.

The wizard keeps one work folder per SKU under ``<data_dir>/enroll/<SKU>`` (the engine's work folder:
``cutouts/``, ``backgrounds/``, scenes, checkpoints, ``enrollment.json`` once a run started,
``result.json`` once it finished). :func:`pending_jobs` lists the folders worth offering when the wizard
opens again: a run that was stopped, or a finished one whose product is not in the catalog and that
the operator has not decided on yet (:func:`mark_decided` writes that decision).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from app.core.catalog import Catalog, Product
from app.training.cutout import CutoutFolder, CutoutResult
from app.training.enroll import (
    RESULT,
    STATE,
    EnrollmentResult,
    EnrollmentSpec,
    product_problems,
    work_state,
)

log = logging.getLogger(__name__)

ENROLL_DIR = "enroll"
DECIDED = "wizard_decision.json"
FIELDS = ("sku", "name_ko", "name_en", "price_won", "detector_class")
MIN_CAPTURES = 6  # cutouts needed before training (different sides and turns of the product)
MAX_CAPTURES = 20
EMPTY_FRAMES = 10  # frames of the empty counter for the background model
_SPEC_DEFAULTS = {f.name: f.default for f in fields(EnrollmentSpec)}
DEFAULT_ITERATIONS: int = _SPEC_DEFAULTS["iterations"]
MIN_ITERATIONS, MAX_ITERATIONS, ITERATION_STEP = 100, 3000, 100
SECONDS_PER_ITERATION = 1.3  # batch 8, one thread, on the target 2-core CPU (README: 1.28 s)
SECONDS_PER_SCENE = 0.05  # drawing one synthetic scene (README: 2,650 scenes in 2.1 min)
SECONDS_FIXED = 45.0  # packaging, the ONNX check and the evaluation of both models


def enroll_root(data_dir: str | Path) -> Path:
    return Path(data_dir) / ENROLL_DIR


def model_classes(model_dir: Path | None, fallback: Sequence[str]) -> tuple[str, ...]:
    """The classes of the detector in ``model_dir`` (a new product's class must not be one of them);
    ``fallback`` (the kiosk's list) when there is no readable model there."""
    from app.vision.detection import ModelBundle, ModelError

    if model_dir is None:
        return tuple(fallback)
    try:
        return ModelBundle.load(model_dir).classes
    except ModelError:
        log.exception("cannot read the model's classes")
        return tuple(fallback)


def new_spec(product: Product, work: Path, model_dir: Path, iterations: int) -> EnrollmentSpec:
    """The job for ``product``: the empty-counter frames saved in ``work/backgrounds`` when there are."""
    backgrounds = work / "backgrounds"
    has_backgrounds = backgrounds.is_dir() and any(backgrounds.iterdir())
    return EnrollmentSpec(product=product, work_dir=work, base_model=Path(model_dir),
                          backgrounds=(backgrounds,) if has_backgrounds else (), iterations=iterations)


def work_dir_for(data_dir: str | Path, sku: str) -> Path:
    """The work folder of ``sku`` (already checked against the catalog's SKU rule: a safe name)."""
    return enroll_root(data_dir) / sku


def suggest_class(name_en: str) -> str:
    """A detector class name from the English name: ``"Binggrae Melona (8)"`` → ``"binggrae_melona_8"``."""
    return re.sub(r"[^a-z0-9]+", "_", name_en.lower()).strip("_")[:64].strip("_")


def field_problems(product: Product, catalog: Catalog, model_classes: Iterable[str]) -> dict[str, str]:
    """``{field: code}`` for each field of ``product`` that cannot be used; codes: ``invalid`` (the
    engine's :func:`product_problems`), ``sku_taken``, ``class_taken`` (a catalog product has it),
    ``class_known`` (the detector already knows it: an enrollment adds a *new* class)."""
    out: dict[str, str] = {}
    for problem in product_problems(product):
        name = problem.split(" ", 1)[0]
        out.setdefault(name if name in FIELDS else "sku", "invalid")
    if "sku" not in out and product.sku in catalog:
        out["sku"] = "sku_taken"
    if "detector_class" not in out:
        if product.detector_class in set(model_classes):
            out["detector_class"] = "class_known"
        elif product.detector_class in set(catalog.classes):
            out["detector_class"] = "class_taken"
    return out


def engine_messages(product: Product) -> dict[str, str]:
    """The engine's own sentence per field (English), for a tooltip beside the translated one."""
    out: dict[str, str] = {}
    for problem in product_problems(product):
        out.setdefault(problem.split(" ", 1)[0], problem)
    return out


def scene_count(spec: EnrollmentSpec | None = None) -> int:
    """How many scenes a run draws (train, val and the two test splits)."""
    if spec is not None:
        return spec.train_scenes + spec.val_scenes + 2 * spec.test_scenes
    d = _SPEC_DEFAULTS
    return int(d["train_scenes"] + d["val_scenes"] + 2 * d["test_scenes"])


def estimate_seconds(iterations: int, scenes: int | None = None) -> tuple[float, float]:
    """(training, whole run) in seconds on the target CPU."""
    training = iterations * SECONDS_PER_ITERATION
    scenes = scene_count() if scenes is None else scenes
    return training, training + scenes * SECONDS_PER_SCENE + SECONDS_FIXED


def remaining_seconds(progress: float, estimate_total: float,
                      measured: tuple[float, float] | None = None) -> float:
    """What is left of a run at ``progress`` (0..1, weighted by expected time): from the pace measured
    so far (``measured`` = seconds, progress gained since a baseline) once there is enough of it, else
    from the estimate of the whole run."""
    left = max(0.0, 1.0 - progress)
    if measured is not None:
        seconds, gained = measured
        if seconds >= 20 and gained >= 0.01:
            return seconds * left / gained
    return estimate_total * left


@dataclass(frozen=True)
class Pending:
    """An enrollment left in a work folder: stopped (``result`` None) or finished and not decided."""

    work_dir: Path
    spec: EnrollmentSpec
    result: EnrollmentResult | None


def pending_jobs(data_dir: str | Path, catalog: Catalog) -> list[Pending]:
    """The work folders worth offering, newest first (see the module docstring)."""
    root = enroll_root(data_dir)
    if not root.is_dir():
        return []
    found: list[tuple[float, Pending]] = []
    for folder in root.iterdir():
        if not folder.is_dir() or (folder / DECIDED).is_file():
            continue
        state = work_state(folder)
        if state is None or state.spec.product.sku in catalog:
            continue
        try:
            stamp = (folder / STATE).stat().st_mtime
        except OSError:
            stamp = 0.0
        found.append((stamp, Pending(folder, state.spec, state.result)))
    return [p for _, p in sorted(found, key=lambda item: -item[0])]


def mark_decided(work: Path, decision: str) -> None:
    """Remember that the operator decided on the run in ``work`` (``applied`` or ``kept``)."""
    work.mkdir(parents=True, exist_ok=True)
    (work / DECIDED).write_text(json.dumps({"decision": decision, "at": time.strftime("%Y-%m-%d %H:%M:%S")}),
                                encoding="utf-8")


@dataclass(frozen=True, eq=False)
class Capture:
    """One kept cutout (BGRA crop and where it came from)."""

    result: CutoutResult
    source: str = "camera"


def save_inputs(work: Path, captures: Sequence[Capture], backgrounds: Sequence[np.ndarray]) -> Path:
    """Write the captures to ``work/cutouts`` and the empty-counter frames to ``work/backgrounds`` (both
    replaced); returns the backgrounds folder, or an absent path when there are none. Runs off the GUI
    thread (it writes a few dozen images)."""
    for name in ("cutouts", "backgrounds"):
        shutil.rmtree(work / name, ignore_errors=True)
    for name in (DECIDED, STATE, RESULT):  # new photos: a new run, not the one that was here
        (work / name).unlink(missing_ok=True)
    folder = CutoutFolder(work / "cutouts")
    for capture in captures:
        folder.add(capture.result, source=capture.source)
    if backgrounds:
        folder.save_backgrounds(backgrounds)
    log.info("enrollment inputs in %s: %d cutouts, %d empty-counter frames", work, len(captures),
             len(backgrounds))
    return work / "backgrounds"


def photo_backgrounds(folder: Path) -> list[Path]:
    """Empty-counter photos that go with a folder of product photos: a ``backgrounds`` or ``empty``
    folder inside it or beside it, or files named ``empty*`` in it."""
    from app.training.cutout import IMAGE_SUFFIXES

    for candidate in (folder / "backgrounds", folder / "empty", folder.parent / "backgrounds"):
        if candidate.is_dir() and candidate != folder:
            images = sorted(p for p in candidate.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if images:
                return images
    return sorted(p for p in folder.glob("empty*") if p.suffix.lower() in IMAGE_SUFFIXES)


def photo_files(folder: Path) -> list[Path]:
    """The product photos in ``folder`` (not its ``empty*`` files)."""
    from app.training.cutout import IMAGE_SUFFIXES

    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("empty"))


@dataclass(frozen=True, eq=False)
class PhotoImport:
    """What a folder of photos gave: usable captures, refused (name, reason code) and the
    empty-counter frames found beside it."""

    captures: list[Capture]
    refused: list[tuple[str, CutoutResult]]
    backgrounds: list[np.ndarray]
    photos: int


def import_photos(folder: Path, counter_frames: Sequence[np.ndarray] = ()) -> PhotoImport:
    """Cut the product out of every photo in ``folder`` (off the GUI thread): against the empty-counter
    photos found with it, else the ``counter_frames`` the wizard captured, else each photo's border."""
    from app.training.cutout import cutouts_from_photos, read_images

    paths = photo_files(folder)
    photos = read_images(paths)
    backgrounds = [image for _, image in read_images(photo_backgrounds(folder))]
    against = backgrounds or list(counter_frames)
    results = cutouts_from_photos(photos, against)
    captures = [Capture(r, str(p)) for p, r in results if r.ok]
    refused = [(p.name, r) for p, r in results if not r.ok]
    return PhotoImport(captures, refused, backgrounds, len(paths))
