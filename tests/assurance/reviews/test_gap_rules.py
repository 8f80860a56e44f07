"""When monthly reviews see a repeated gap: the pure rules."""

import pytest

from assurance.reviews import rules
from assurance.reviews.rules import GapSeen

DEFAULTS = {
    "window_days": 90,
    "emerging": {"max_gap": None},
    "significant": {"max_gap": 0.25},
    "service_wide": {"max_gap": 0.1},
}


def seen(gap=None, ticked=False, label="2026-01", threshold=0.25):
    return GapSeen(period_label=label, ticked=ticked, gap=gap, threshold=threshold)


def test_the_gap_threshold_is_the_loosest_level_limit():
    assert rules.gap_threshold(DEFAULTS) == 0.25
    assert rules.gap_threshold({"significant": {"max_gap": None}}) is None
    assert rules.gap_threshold({}) is None and rules.gap_threshold(None) is None


@pytest.mark.parametrize(
    ("figures", "gap"),
    [
        ({"gap": {"value": 0.5}}, 0.5),
        ({"gap": {"value": None}}, None),
        ({"gap": {"value": True}}, None),
        ({}, None),
        (None, None),
    ],
)
def test_it_reads_the_computed_gap_stored_with_a_review(figures, gap):
    assert rules.computed_gap(figures) == gap


@pytest.mark.parametrize(
    ("gap", "threshold", "above"),
    [(0.26, 0.25, True), (0.25, 0.25, False), (1.1 - 0.85, 0.25, False), (None, 0.25, False),
     (0.9, None, False), (-0.5, 0.25, False)],
)  # fmt: skip
def test_a_gap_exactly_at_the_threshold_is_not_above_it(gap, threshold, above):
    assert rules.is_above(gap, threshold) is above


@pytest.mark.parametrize(
    ("previous", "current", "repeated"),
    [
        (seen(0.5), seen(0.5), True),  # computed twice, nothing ticked
        (seen(ticked=True), seen(ticked=True), True),  # ticked twice
        (seen(ticked=True), seen(0.5), True),
        (seen(0.5), seen(0.1), False),
        (seen(0.1), seen(0.5), False),
        (None, seen(0.9, ticked=True), False),  # the first review
    ],
)
def test_two_reviews_in_a_row_that_see_a_gap_repeat_it(previous, current, repeated):
    assert rules.repeated_gap(previous, current) is repeated


def test_the_page_says_before_saving_when_completing_escalates():
    text = rules.before_saving(seen(0.5), 0.6, 0.25, already_open=False)
    assert text.startswith(
        "The computed gap (0.60) is above the threshold (0.25) for the second month running: "
        "completing this review raises an escalation"
    )
    ticked = rules.before_saving(seen(ticked=True), 0.6, 0.25, already_open=False)
    assert "the 2026-01 review observed a gap" in ticked
    assert "already open" in rules.before_saving(seen(0.5), 0.6, 0.25, already_open=True)
    assert rules.before_saving(seen(0.5), 0.2, 0.25, already_open=False) == ""
    assert rules.before_saving(None, 0.6, 0.25, already_open=False) == ""


def test_the_escalation_says_how_each_gap_was_seen():
    detail = rules.escalation_detail(seen(0.5), seen(ticked=True, label="2026-02"))
    assert "2026-01 and 2026-02 monthly reviews" in detail
    assert "2026-01: the computed gap 0.50 was above the threshold 0.25" in detail
    assert "2026-02: ticked by the reviewer" in detail
