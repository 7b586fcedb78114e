"""Packaging specs: what each product looks like from above (``resources/catalog/packaging.toml``).

One TOML table per detector class. Sizes are in cm: ``width_cm`` x ``depth_cm`` is the top-down
footprint of the item lying in its usual pose (x and y of the art), ``height_cm`` its thickness in that
pose. Round items (can, bottle, jar, cup) and cartons may also stand up (``upright`` is the chance);
standing, their footprint is ``depth_cm`` x ``height_cm`` and ``width_cm`` is how tall they are.
Look-alike pairs name each other in ``lookalike`` and must share shape and size.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.core.settings import RESOURCES_DIR

log = logging.getLogger(__name__)

DEFAULT_PACKAGING = RESOURCES_DIR / "catalog" / "packaging.toml"
SHAPES = ("can", "bottle", "jar", "cup", "carton", "bag", "pouch", "box", "tray")
#: Shapes that can stand up on the counter (their top view differs from the lying view).
STANDING_SHAPES = frozenset({"can", "bottle", "jar", "cup", "carton"})
PATTERNS = ("none", "stripes", "dots", "waves", "chevron", "rays", "grid")
_HEX = re.compile(r"#?([0-9a-fA-F]{6})")
BGR = tuple[int, int, int]


class PackagingError(ValueError):
    """A packaging file or entry that cannot be used."""


@dataclass(frozen=True)
class PackagingSpec:
    """How one product is drawn; colours are BGR (OpenCV order)."""

    detector_class: str
    shape: str
    width_cm: float
    depth_cm: float
    height_cm: float
    primary: BGR
    secondary: BGR
    label: BGR
    text_color: BGR
    text: str
    subtext: str = ""
    pattern: str = "none"
    transparency: float = 0.0
    upright: float = 0.0
    lookalike: str = ""
    cap: BGR | None = None

    @property
    def can_stand(self) -> bool:
        return self.shape in STANDING_SHAPES

    def footprint_cm(self, upright: bool = False) -> tuple[float, float]:
        """(x, y) extent of the art in cm for the lying or standing pose."""
        if upright and self.can_stand:
            return (self.depth_cm, self.height_cm)
        return (self.width_cm, self.depth_cm)

    def standing_height_cm(self, upright: bool = False) -> float:
        """How far the item rises above the counter (drives the shadow length)."""
        return self.width_cm if upright and self.can_stand else self.height_cm


def parse_color(text: str, where: str) -> BGR:
    """``#rrggbb`` to a BGR tuple."""
    match = _HEX.fullmatch(str(text).strip())
    if not match:
        raise PackagingError(f"{where}: colour {text!r} must look like #rrggbb")
    value = match.group(1)
    r, g, b = (int(value[i:i + 2], 16) for i in (0, 2, 4))
    return (b, g, r)


def _number(table: Mapping[str, object], key: str, where: str, lo: float, hi: float,
            default: float | None = None) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= float(value) <= hi:
        raise PackagingError(f"{where}: {key} must be a number from {lo} to {hi}, got {value!r}")
    return float(value)


def parse_spec(name: str, table: Mapping[str, object]) -> PackagingSpec:
    """One validated :class:`PackagingSpec` from its TOML table."""
    where = f"[{name}]"
    shape = str(table.get("shape", ""))
    if shape not in SHAPES:
        raise PackagingError(f"{where}: shape {shape!r} must be one of {', '.join(SHAPES)}")
    pattern = str(table.get("pattern", "none"))
    if pattern not in PATTERNS:
        raise PackagingError(f"{where}: pattern {pattern!r} must be one of {', '.join(PATTERNS)}")
    text = str(table.get("text", "")).strip()
    if not text:
        raise PackagingError(f"{where}: text (the printed label) is required")
    colors = {key: parse_color(str(table.get(key, "")), f"{where} {key}")
              for key in ("primary", "secondary", "label", "text_color")}
    cap = parse_color(str(table["cap"]), f"{where} cap") if "cap" in table else None
    spec = PackagingSpec(
        detector_class=name, shape=shape, cap=cap, text=text, pattern=pattern,
        width_cm=_number(table, "width_cm", where, 1.0, 80.0),
        depth_cm=_number(table, "depth_cm", where, 1.0, 80.0),
        height_cm=_number(table, "height_cm", where, 0.2, 60.0),
        subtext=str(table.get("subtext", "")).strip(),
        transparency=_number(table, "transparency", where, 0.0, 0.4, 0.0),
        upright=_number(table, "upright", where, 0.0, 1.0, 0.0),
        lookalike=str(table.get("lookalike", "")), **colors)
    if spec.upright and not spec.can_stand:
        raise PackagingError(f"{where}: a {shape} cannot stand up (upright must be 0)")
    return spec


def load_packaging(path: str | Path = DEFAULT_PACKAGING) -> dict[str, PackagingSpec]:
    """All specs of a packaging file, keyed by detector class; look-alike pairs are cross-checked."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PackagingError(f"{path}: {exc}") from exc
    specs = {name: parse_spec(name, table) for name, table in data.items() if isinstance(table, dict)}
    for spec in specs.values():
        if not spec.lookalike:
            continue
        other = specs.get(spec.lookalike)
        if other is None or other.lookalike != spec.detector_class:
            raise PackagingError(f"{path}: look-alike {spec.detector_class} -> {spec.lookalike} "
                                 "is not mutual")
        if (other.shape, other.footprint_cm(), other.height_cm) != (spec.shape, spec.footprint_cm(),
                                                                   spec.height_cm):
            raise PackagingError(f"{path}: look-alikes {spec.detector_class}/{other.detector_class} "
                                 "must share shape and size")
    log.debug("packaging %s: %d products", path, len(specs))
    return specs


def specs_for(classes: Iterable[str], packaging: Mapping[str, PackagingSpec]) -> list[PackagingSpec]:
    """The specs of ``classes`` in order; a class without packaging art is an error."""
    classes = list(classes)
    missing = [c for c in classes if c not in packaging]
    if missing:
        raise PackagingError(f"no packaging art for: {', '.join(missing)} (add them to packaging.toml)")
    return [packaging[c] for c in classes]


def lookalike_pairs(specs: Sequence[PackagingSpec]) -> list[tuple[str, str]]:
    """Each look-alike pair once (in the order its first member appears), both members present."""
    names = {s.detector_class for s in specs}
    pairs: list[tuple[str, str]] = []
    for spec in specs:
        pair = (spec.detector_class, spec.lookalike)
        if spec.lookalike in names and pair[::-1] not in pairs:
            pairs.append(pair)
    return pairs
