"""The demo-mode counter video: an empty counter, items placed one by one by a hand, one removed, one
moved, and its ground-truth timeline (``counter.json``: segments of frames with the items on the
counter, their boxes, and whether a hand is in view).

The hand is a skin-toned arm and palm with a shadow; while it is in view the counter is "moving" (the
kiosk should hold the cart until it leaves). An item counts as on the counter from the frame the hand
lets go of it, and is gone from the frame the hand picks it up.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from app.core.settings import RESOURCES_DIR
from app.training.artwork import render_art
from app.training.compose import Light, Sprite, cast_shadow, make_sprite, paste
from app.training.packaging import PackagingSpec
from app.training.surfaces import render_surface

log = logging.getLogger(__name__)

DEMO_VIDEO = RESOURCES_DIR / "demo" / "counter.mp4"
SKIN = (150, 178, 222)
APPROACH, HOLD, CARRY, RETREAT = 10, 4, 12, 10


@dataclass(frozen=True)
class Step:
    """One action: ``wait`` (frames), ``place`` a class at ``at`` (x, y as fractions of the frame,
    angle in degrees), ``remove`` or ``move`` (to ``at``) the first item of a class on the counter."""

    action: str
    frames: int = 0
    detector_class: str = ""
    at: tuple[float, float, float] = (0.5, 0.5, 0.0)
    upright: bool = False
    entry: str = "bottom"


DEFAULT_SCRIPT = (
    Step("wait", 30),
    Step("place", detector_class="coke_500ml", at=(0.27, 0.72, 18)),
    Step("wait", 10),
    Step("place", detector_class="banana_milk_240ml", at=(0.56, 0.8, 0), upright=True),
    Step("wait", 10),
    Step("place", detector_class="shin_ramyun_5pack", at=(0.7, 0.3, -6), entry="right"),
    Step("wait", 10),
    Step("place", detector_class="cass_fresh_can_355ml", at=(0.12, 0.2, 70)),
    Step("wait", 10),
    Step("place", detector_class="coke_zero_500ml", at=(0.3, 0.45, -20)),
    Step("wait", 10),
    Step("place", detector_class="strawberry_milk_240ml", at=(0.82, 0.78, 0), upright=True, entry="right"),
    Step("wait", 30),
    Step("remove", detector_class="banana_milk_240ml"),
    Step("wait", 22),
    Step("move", detector_class="cass_fresh_can_355ml", at=(0.58, 0.62, 100)),
    Step("wait", 45),
)


@dataclass(frozen=True)
class Item:
    """An item in the video: its id, class, centre (px), angle and pose."""

    item_id: int
    detector_class: str
    cx: float
    cy: float
    angle: float
    upright: bool


@dataclass(frozen=True)
class FrameState:
    counter: tuple[Item, ...]
    hand: tuple[float, float] | None = None
    entry: tuple[float, float] = (0.0, 0.0)
    held: Item | None = None
    event: str = "still"


def _ease(t: float) -> float:
    return t * t * (3 - 2 * t)


def plan_frames(script: Sequence[Step], width: int, height: int) -> list[FrameState]:
    """The state of every frame (no pixels): where the hand is, what it holds, what lies on the counter."""
    frames: list[FrameState] = []
    counter: list[Item] = []
    next_id = 1

    def hand_path(a: tuple[float, float], b: tuple[float, float], n: int, entry: tuple[float, float],
                  event: str, held: Item | None = None, turn_to: float | None = None) -> None:
        for i in range(n):
            t = _ease(i / max(1, n - 1))
            pos = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
            moving = None
            if held is not None:
                angle = held.angle if turn_to is None else held.angle + (turn_to - held.angle) * t
                moving = replace(held, cx=pos[0], cy=pos[1], angle=round(angle, 1))
            frames.append(FrameState(tuple(counter), pos, entry, moving, event))

    for step in script:
        if step.action == "wait":
            frames.extend([FrameState(tuple(counter), event="still" if counter else "empty")] * step.frames)
            continue
        if step.action == "place":
            item = Item(next_id, step.detector_class, step.at[0] * width, step.at[1] * height, step.at[2],
                        step.upright)
            next_id += 1
        elif step.action in ("remove", "move"):
            item = next(i for i in counter if i.detector_class == step.detector_class)
        else:
            raise ValueError(f"unknown demo action {step.action!r}")
        spot = (item.cx, item.cy)
        entry = ((spot[0] + 0.1 * width, height * 1.45) if step.entry == "bottom"
                 else (width * 1.4, spot[1] + 0.05 * height))
        event = f"{step.action} {step.detector_class}"
        carrying = item if step.action == "place" else None
        hand_path(entry, spot, APPROACH, entry, event, carrying)
        hand_path(spot, spot, HOLD, entry, event, carrying)
        if step.action == "place":
            counter.append(item)
        else:
            counter.remove(item)
        if step.action == "move":
            dest = replace(item, cx=step.at[0] * width, cy=step.at[1] * height, angle=step.at[2])
            hand_path(spot, (dest.cx, dest.cy), CARRY, entry, event, item, dest.angle)
            counter.append(dest)
            spot = (dest.cx, dest.cy)
            hand_path(spot, spot, HOLD, entry, event)
        hand_path(spot, entry, RETREAT, entry, event, item if step.action == "remove" else None)
    return frames


def _draw_hand(canvas: np.ndarray, pos: tuple[float, float], entry: tuple[float, float], ppc: float) -> None:
    """A skin-toned arm, palm and fingers reaching from ``entry`` to ``pos``, with a soft shadow."""
    h, w = canvas.shape[:2]
    d = np.array(pos) - np.array(entry)
    d /= max(np.linalg.norm(d), 1e-6)
    n = np.array([-d[1], d[0]])
    p = np.array(pos)
    mask = np.zeros((h, w), np.uint8)

    def pt(v: np.ndarray) -> tuple[int, int]:
        return round(v[0]), round(v[1])

    cv2.line(mask, pt(p - d * 60 * ppc), pt(p - d * 4 * ppc), 255, int(7 * ppc), cv2.LINE_AA)
    angle = math.degrees(math.atan2(d[1], d[0]))
    cv2.ellipse(mask, pt(p), (int(5.5 * ppc), int(4.6 * ppc)), angle, 0, 360, 255, -1, cv2.LINE_AA)
    for k, length in zip((-1.5, -0.5, 0.5, 1.5), (5.5, 6.5, 6.8, 5.8), strict=True):
        base = p + d * 3.5 * ppc + n * k * 2.0 * ppc
        cv2.line(mask, pt(base), pt(base + d * length * ppc), 255, int(1.8 * ppc), cv2.LINE_AA)
    thumb = p + n * 3.8 * ppc
    cv2.line(mask, pt(thumb - d * 1.5 * ppc), pt(thumb + d * 3.0 * ppc + n * 2.0 * ppc), 255, int(2.0 * ppc),
             cv2.LINE_AA)
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), 0.8)
    shadow = cv2.GaussianBlur(np.roll(alpha, (int(3 * ppc), int(2 * ppc)), (0, 1)), (0, 0), 3 * ppc)
    canvas *= (1 - 0.4 * shadow)[..., None]
    edge = cv2.GaussianBlur(alpha, (0, 0), 0.9 * ppc)
    tone = (0.7 + 0.3 * edge)[..., None] * np.array(SKIN, np.float32)
    canvas[:] = canvas * (1 - alpha[..., None]) + tone * alpha[..., None]


def render_demo_video(packaging: Mapping[str, PackagingSpec], video_path: str | Path = DEMO_VIDEO,
                      script: Sequence[Step] = DEFAULT_SCRIPT, width: int = 640, height: int = 480,
                      fps: int = 15, seed: int = 2024, surface: str = "wood") -> dict:
    """Write the video (mp4v, or MJPG .avi where mp4 cannot be written) and ``<video>.json``;
    returns the timeline dict."""
    rng = np.random.Generator(np.random.PCG64(seed))
    ppc = width * 70.0 / 60.0 / 70.0  # 60 cm of counter across the frame from 70 cm up
    background = render_surface(surface, rng, width, height, ppc)
    light = Light(0.12, 0.18, 0.12, 0.4)
    frames = plan_frames(script, width, height)
    sprites: dict[tuple[str, bool, float], Sprite] = {}

    def sprite(item: Item, lift: float = 1.0) -> Sprite:
        key = (item.detector_class, item.upright, item.angle, lift)
        if key not in sprites:
            spec = packaging[item.detector_class]
            art = render_art(spec, ppc * lift, item.upright)
            sprites[key] = make_sprite(art, 1.0, item.angle, spec.standing_height_cm(item.upright) * ppc)
        return sprites[key]

    def corner(item: Item, s: Sprite) -> tuple[int, int]:
        return round(item.cx - s.size[0] / 2), round(item.cy - s.size[1] / 2)

    def bbox(item: Item) -> list[int]:
        s = sprite(item)
        x, y = corner(item, s)
        x0, y0, x1, y1 = s.bounds
        if x + x0 < 0 or y + y0 < 0 or x + x1 > width or y + y1 > height:
            raise ValueError(f"demo item {item.detector_class} at ({item.cx:.0f}, {item.cy:.0f}) "
                             "does not lie inside the frame")
        return [x + x0, y + y0, x1 - x0, y1 - y0]

    video_path = Path(video_path)
    video_path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(video_path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        video_path = video_path.with_suffix(".avi")
        writer = cv2.VideoWriter(str(video_path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write a video here ({video_path})")
    statics: dict[tuple[Item, ...], np.ndarray] = {}
    try:
        for state in frames:
            if state.counter not in statics:
                canvas = background.copy()
                for item in state.counter:
                    s = sprite(item)
                    cast_shadow(canvas, s, *corner(item, s), light)
                    paste(canvas, s, *corner(item, s))
                statics = {state.counter: canvas}
            frame = statics[state.counter].copy()
            if state.held is not None:
                s = sprite(state.held, 1.06)
                lifted = replace(s, height_px=s.height_px + 12 * ppc)  # held above the counter
                cast_shadow(frame, lifted, *corner(state.held, s), light)
                paste(frame, s, *corner(state.held, s))
            if state.hand is not None:
                _draw_hand(frame, state.hand, state.entry, ppc)
            frame += rng.standard_normal(frame.shape, dtype=np.float32) * 1.2
            writer.write(np.clip(np.rint(frame), 0, 255).astype(np.uint8))
    finally:
        writer.release()
    timeline = build_timeline(frames, bbox, video_path.name, width, height, fps)
    video_path.with_suffix(".json").write_text(json.dumps(timeline, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")
    log.info("demo video %s: %d frames", video_path, len(frames))
    return timeline


def build_timeline(frames: Sequence[FrameState], bbox, video: str, width: int, height: int, fps: int) -> dict:
    """Consecutive frames with the same counter, hand and event merged into segments [start, end)."""
    segments: list[dict] = []
    for index, state in enumerate(frames):
        key = (state.counter, state.hand is not None, state.held.detector_class if state.held else None,
               state.event)
        if segments and segments[-1]["_key"] == key:
            segments[-1]["end"] = index + 1
            continue
        counts: dict[str, int] = {}
        for item in state.counter:
            counts[item.detector_class] = counts.get(item.detector_class, 0) + 1
        segments.append({"_key": key, "start": index, "end": index + 1, "event": state.event,
                         "hand": state.hand is not None, "held": key[2],
                         "items": [{"id": i.item_id, "class": i.detector_class, "bbox": bbox(i)}
                                   for i in state.counter], "counts": counts})
    for seg in segments:
        del seg["_key"]
    return {"video": video, "fps": fps, "width": width, "height": height, "frame_count": len(frames),
            "duration_s": round(len(frames) / fps, 3), "segments": segments}


def counts_at(timeline: Mapping, frame: int) -> dict[str, int]:
    """Per-class counts of the items lying on the counter at ``frame``."""
    for seg in timeline["segments"]:
        if seg["start"] <= frame < seg["end"]:
            return dict(seg["counts"])
    raise IndexError(f"frame {frame} is outside the video (0..{timeline['frame_count'] - 1})")
