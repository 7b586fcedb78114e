"""Counter scenes that mix photo cutouts of enrolled products with the catalog's drawn packaging art.

:class:`CutoutProduct` is an enrolled product: its cutouts (BGRA, as cut from the store's counter
camera) and the scale they were cut at. The camera geometry is the scene generator's: the long side of
a counter-camera frame spans ``SceneConfig.view_cm`` at the reference height, so a cutout from a
640-px-wide frame has 640 / 60 px per cm, and pasted into a 320-px scene it keeps the same share of the
view, scaled like the drawn art by the camera height drawn for the scene (60-80 cm) and the size jitter.

:class:`EnrollSceneGenerator` draws a random cutout per item (turned at random like the art, with the
same shadow, lighting, colour gain, occlusion and camera look), and can ``focus`` on a class (put it in
a share of the scenes, for training the new class) or ``exclude`` classes (scenes of the old catalog
only, for measuring the old classes). Category ids stay 1..N in the generator's class order, so a
split that never shows a class still lists it (the COCO files of one enrollment share one class list:
the old classes in their order, the new one appended).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from app.training.cutout import CutoutFolder
from app.training.packaging import PackagingSpec
from app.training.scenes import Level, SceneConfig, SceneGenerator

log = logging.getLogger(__name__)

DEFAULT_SOURCE_WIDTH = 640  # a cutout whose frame size is unknown is taken as cut from a 640-px frame
CUTOUT_SHAPE = "cutout"  # the COCO supercategory of enrolled products


@dataclass(frozen=True, eq=False)
class CutoutProduct:
    """An enrolled product drawn from photo cutouts."""

    detector_class: str
    images: tuple[np.ndarray, ...]  # BGRA
    px_per_cm: tuple[float, ...]  # each image's scale
    height_cm: float  # how far it rises above the counter (its shadow)

    @classmethod
    def from_folder(cls, detector_class: str, folder, view_cm: float = 60.0,
                    height_cm: float | None = None) -> CutoutProduct:
        """The cutouts of a :class:`~app.training.cutout.CutoutFolder` (``height_cm``: estimated as half
        the short side of the median footprint when not given)."""
        loaded = CutoutFolder(folder).load()
        if not loaded:
            raise ValueError(f"{folder}: no cutouts of {detector_class}")
        images = tuple(image for image, _ in loaded)
        scales = tuple(max(entry.source_size or (0, 0)) / view_cm if max(entry.source_size) > 0
                       else DEFAULT_SOURCE_WIDTH / view_cm for _, entry in loaded)
        product = cls(detector_class, images, scales, 0.0)
        if height_cm is None:
            height_cm = float(np.clip(0.5 * min(product.footprint_cm()), 1.0, 15.0))
        return cls(detector_class, images, scales, float(height_cm))

    def footprint_cm(self) -> tuple[float, float]:
        """Median (long, short) extent of the cutouts' silhouettes in cm."""
        sizes = []
        for image, ppc in zip(self.images, self.px_per_cm, strict=True):
            ys, xs = np.nonzero(image[..., 3] > 127)
            rect = cv2.minAreaRect(np.column_stack([xs, ys]).astype(np.float32)) if xs.size >= 3 else \
                ((0, 0), (image.shape[1], image.shape[0]), 0)
            w, h = rect[1]
            sizes.append((max(w, h) / ppc, min(w, h) / ppc))
        long, short = np.median(np.array(sizes), axis=0)
        return float(max(long, 1.0)), float(max(short, 1.0))

    def spec(self) -> PackagingSpec:
        """A stand-in packaging spec: the size the scene planner budgets for (no art is drawn from it)."""
        long, short = self.footprint_cm()
        grey = (128, 128, 128)
        return PackagingSpec(detector_class=self.detector_class, shape=CUTOUT_SHAPE, width_cm=long,
                             depth_cm=short, height_cm=self.height_cm, primary=grey, secondary=grey,
                             label=grey, text_color=grey, text=self.detector_class)


class EnrollSceneGenerator(SceneGenerator):
    """A :class:`SceneGenerator` over ``classes``: drawn art for those in ``packaging``, photo cutouts for
    those in ``cutouts``."""

    def __init__(self, classes: Sequence[str], packaging: Mapping[str, PackagingSpec],
                 cutouts: Mapping[str, CutoutProduct], config: SceneConfig | None = None,
                 photos: Sequence[np.ndarray] = (), focus: str | None = None, focus_rate: float = 0.0,
                 exclude: Iterable[str] = ()) -> None:
        specs = []
        for name in classes:
            if name in cutouts:
                specs.append(cutouts[name].spec())
            elif name in packaging:
                specs.append(packaging[name])
            else:
                raise ValueError(f"class {name!r} has neither packaging art nor cutouts")
        super().__init__(specs, config or SceneConfig(), photos)
        self.cutouts = {self.classes.index(n): p for n, p in cutouts.items() if n in self.classes}
        self.focus = self.classes.index(focus) if focus is not None else None
        self.focus_rate = focus_rate
        self.exclude = {self.classes.index(n) for n in exclude}
        if len(self.exclude) >= len(self.classes):
            raise ValueError("every class is excluded")
        self._cut_art: dict[tuple[int, int], np.ndarray] = {}

    def cutout_art(self, index: int, which: int) -> np.ndarray:
        """Cutout ``which`` of product ``index`` at the generator's art scale (cached)."""
        key = (index, which)
        if key not in self._cut_art:
            product = self.cutouts[index]
            image = product.images[which]
            factor = self.art_px_per_cm / product.px_per_cm[which]
            size = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
            interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
            alpha = image[..., 3:4].astype(np.float32) / 255.0
            premul = np.dstack([image[..., :3].astype(np.float32) * alpha, alpha])
            small = cv2.resize(premul, size, interpolation=interp)
            a = np.clip(small[..., 3], 0, 1)
            color = small[..., :3] / np.maximum(a[..., None], 1e-6)
            self._cut_art[key] = np.dstack([np.clip(color, 0, 255), a * 255]).round().astype(np.uint8)
        return self._cut_art[key]

    def art(self, index: int, upright: bool) -> np.ndarray:
        if index in self.cutouts:
            return self.cutout_art(index, 0)
        return super().art(index, upright)

    def sprite_art(self, rng: np.random.Generator, index: int, upright: bool) -> np.ndarray:
        product = self.cutouts.get(index)
        if product is None:
            return super().sprite_art(rng, index, upright)
        return self.cutout_art(index, int(rng.integers(len(product.images))))

    def plan(self, rng: np.random.Generator, level: Level) -> list[int]:
        items = super().plan(rng, level)
        kinds = list(dict.fromkeys(items))
        swap: dict[int, int] = {}
        if self.exclude:
            free = [i for i in range(len(self.classes)) if i not in self.exclude and i not in kinds]
            for kind in kinds:
                if kind in self.exclude:
                    if free:
                        swap[kind] = free.pop(int(rng.integers(len(free))))
                    else:  # every allowed class is already there: more of one of them
                        allowed = [k for k in kinds if k not in self.exclude]
                        swap[kind] = allowed[int(rng.integers(len(allowed)))]
        if self.focus is not None and self.focus not in kinds and rng.random() < self.focus_rate:
            victims = [k for k in kinds if k not in swap]
            if victims:
                swap[victims[int(rng.integers(len(victims)))]] = self.focus
        return [swap.get(kind, kind) for kind in items]
