"""Reading one counter frame: counts, the unknown objects with their candidates, stacked items."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.counter_scene import covered, iou, read_counter


@dataclass(frozen=True)
class Box:
    name: str
    score: float
    box: tuple[float, float, float, float]


def test_counted_items_and_nothing_unknown():
    reading = read_counter([Box("cola", 0.9, (0, 0, 10, 20)), Box("cola", 0.8, (20, 0, 30, 20)),
                            Box("chips", 0.2, (40, 0, 50, 20))])  # below the unsure score: ignored
    assert dict(reading.counts.counts) == {"cola": 2} and reading.counts.uncertain == 0
    assert reading.candidates == () and not reading.overlapped


def test_unsure_boxes_over_one_spot_are_one_object_with_ranked_candidates():
    reading = read_counter([Box("cola", 0.38, (0, 0, 10, 20)), Box("zero", 0.44, (1, 0, 11, 20)),
                            Box("chips", 0.35, (40, 0, 50, 20))])
    assert reading.counts.uncertain == 2 and not reading.counts.counts
    assert reading.candidates == ((("zero", 0.44), ("cola", 0.38)), (("chips", 0.35),))


def test_a_runner_up_class_over_a_counted_item_is_not_another_object():
    reading = read_counter([Box("cola", 0.8, (0, 0, 10, 20)), Box("zero", 0.4, (0, 1, 10, 21))])
    assert dict(reading.counts.counts) == {"cola": 1} and reading.counts.uncertain == 0


def test_items_on_top_of_each_other_are_flagged():
    flat = read_counter([Box("cola", 0.9, (0, 0, 10, 20)), Box("chips", 0.9, (8, 0, 30, 20))])
    stacked = read_counter([Box("cola", 0.9, (0, 0, 10, 20)), Box("chips", 0.9, (2, 2, 9, 15))])
    assert not flat.overlapped and stacked.overlapped


def test_geometry_helpers():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0
    assert covered((0, 0, 10, 10), (5, 0, 7, 10)) == 1.0
    assert covered((0, 0, 0, 10), (0, 0, 5, 5)) == 0.0
