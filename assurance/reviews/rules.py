"""When a gap seen at monthly reviews raises the "repeated gap" escalation. Pure Python: no
Django, no database; it reads the plain figures and thresholds a review stores.

A monthly review *sees a gap* when the reviewer ticks "Gap observed" or when the computed
gap (leadership-side minus frontline-side progress, stored on the review at completion) is
above the gap threshold. Two completed monthly reviews in a row that see a gap raise one
escalation, whatever was ticked. Skipped months are passed over, so skipping a month never
hides a gap seen either side of it.

The gap threshold is the loosest ``max_gap`` of the influence levels (Significant's 0.25 by
default): above it the evidence supports no level that limits the gap. A gap that cannot
be measured (no indicator on one side) is never above it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_EPS = 1e-9  # as the readiness figures: a gap exactly at the threshold is not above it


def gap_threshold(thresholds: Mapping[str, Any] | None) -> float | None:
    """The gap above which no level with a gap limit is supported, from a thresholds dict
    (``Thresholds.to_dict()``); None when no level limits the gap."""
    limits = [
        rule["max_gap"]
        for rule in (thresholds or {}).values()
        if isinstance(rule, Mapping) and rule.get("max_gap") is not None
    ]
    return float(max(limits)) if limits else None


def computed_gap(figures: Mapping[str, Any] | None) -> float | None:
    """The gap value stored with a review's figures (None: not measured or not stored)."""
    gap = (figures or {}).get("gap") or {}
    value = gap.get("value") if isinstance(gap, Mapping) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def is_above(gap: float | None, threshold: float | None) -> bool:
    return gap is not None and threshold is not None and gap > threshold + _EPS


def _num(value: float) -> str:
    return f"{value:.2f}"


@dataclass(frozen=True)
class GapSeen:
    """What one monthly review saw of the gap."""

    period_label: str
    ticked: bool  # the reviewer chose "Gap observed"
    gap: float | None  # the computed gap
    threshold: float | None

    @property
    def computed(self) -> bool:
        return is_above(self.gap, self.threshold)

    @property
    def seen(self) -> bool:
        return self.ticked or self.computed

    @property
    def how(self) -> str:
        parts = []
        if self.computed:
            parts.append(
                f"the computed gap {_num(self.gap)} was above the threshold {_num(self.threshold)}"
            )
        if self.ticked:
            parts.append("ticked by the reviewer")
        return f"{self.period_label}: {' and '.join(parts) or 'no gap seen'}"


def repeated_gap(previous: GapSeen | None, current: GapSeen) -> bool:
    """Whether this review and the previous completed one both saw a gap."""
    return previous is not None and previous.seen and current.seen


def escalation_detail(previous: GapSeen, current: GapSeen) -> str:
    return (
        f"A gap between leadership-side and frontline progress was seen in the "
        f"{previous.period_label} and {current.period_label} monthly reviews "
        f"({previous.how}; {current.how})."
    )


def before_saving(
    previous: GapSeen | None, gap_now: float | None, threshold: float | None, *, already_open: bool
) -> str:
    """What the review page says before the reviewer saves, when completing this review
    raises the repeated-gap escalation whatever is ticked ("" when it does not)."""
    if previous is None or not previous.seen or not is_above(gap_now, threshold):
        return ""
    if previous.computed:
        text = (
            f"The computed gap ({_num(gap_now)}) is above the threshold ({_num(threshold)}) "
            "for the second month running"
        )
    else:
        text = (
            f"The computed gap ({_num(gap_now)}) is above the threshold ({_num(threshold)}) "
            f"and the {previous.period_label} review observed a gap"
        )
    if already_open:
        return f"{text}. A repeated-gap escalation is already open on this case."
    return f"{text}: completing this review raises an escalation, whatever outcome you choose."
