"""The count stabiliser: no flicker, no double counting, removal once the counter is still."""

from __future__ import annotations

import pytest

from app.core.counting import CountStabiliser, FrameCounts


def frames(*specs: dict[str, int]) -> list[FrameCounts]:
    return [FrameCounts(s) for s in specs]


def test_scores_split_into_counted_and_uncertain():
    frame = FrameCounts.from_scores([("coke", 0.9), ("coke", 0.5), ("chips", 0.45), ("chips", 0.1)])
    assert frame.counts == {"coke": 2} and frame.uncertain == 1


def test_counts_appear_only_when_the_scene_is_stable():
    stabiliser = CountStabiliser(window=5, agree=4)
    verdicts = [stabiliser.update(f) for f in frames(*[{"coke": 1}] * 4)]
    assert [v.stable for v in verdicts[:3]] == [None, None, None]
    assert verdicts[3].stable == {"coke": 1} and not verdicts[3].settling


def test_a_flicker_or_a_hand_does_not_change_the_cart():
    stabiliser = CountStabiliser(window=5, agree=4)
    for f in frames(*[{"coke": 1}] * 5):
        stabiliser.update(f)
    # a hand passes: one frame with a double detection, one with a miss
    assert stabiliser.update(FrameCounts({"coke": 2})).stable is None
    assert stabiliser.update(FrameCounts({})).stable is None
    assert stabiliser.last_stable == {"coke": 1}


def test_removal_removes_once_still():
    stabiliser = CountStabiliser(window=5, agree=4)
    for f in frames(*[{"coke": 1, "chips": 2}] * 5):
        stabiliser.update(f)
    results = [stabiliser.update(FrameCounts({"coke": 1})).stable for _ in range(4)]
    assert results[:3] == [None, None, None] and results[3] == {"coke": 1}


def test_bad_window_is_rejected():
    with pytest.raises(ValueError):
        CountStabiliser(window=3, agree=4)
