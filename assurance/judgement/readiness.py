"""Readiness figures for an influence claim.

A care provider claims that one improved domain (for example governance) influences the
wider service.  This module works out, from recorded facts only, how far the evidence
supports that claim ("readiness figures") and the highest influence level those figures
support, so that a manager cannot overclaim without it being visible.

Pure and standard-library only: callers load the facts (from the ORM or anywhere else),
build a :class:`CaseFacts`, then call :func:`compute_figures` and :func:`assess`.

Conventions used throughout (all binding on callers and tests):

* **Window.** An item dated ``occurred_on`` is inside the window when
  ``today - window_days < occurred_on <= today``.  With the default of 90 days that is
  today plus the 89 days before it ("day 90" is in, "day 91" is out).  Items dated after
  ``today`` are ignored everywhere.
* **As of.** Every fact may carry when it was recorded (and withdrawn, archived...). With
  ``CaseFacts.as_of`` set, :func:`as_of_view` first keeps only what was on the record at
  that moment: evidence recorded by then and not withdrawn by then, readings recorded by
  then, indicators, links and teams as they were. The figures for a past moment are
  therefore the same whenever they are computed.
* **Withdrawn evidence** is ignored everywhere, and so is **expired** evidence (its
  ``valid_until`` date has passed on ``today``).
* **Readings.** An indicator's readings may arrive in any order; several readings on one
  date (for example one per team) are averaged into a single value for that date.  Only
  readings dated on or before ``today`` are used.
* **At or past target** respects direction: ``value >= target`` when higher is better,
  ``value <= target`` otherwise.
* **Whole months** (:func:`months_between`): the largest ``n`` such that adding ``n``
  calendar months to the start date (clamping the day to the end of the month, and always
  counting from the original start date) does not pass the end date.  So 31 Jan -> 28 Feb
  is 1 month, 31 Jan -> 30 Apr is 3 months and 31 Jan -> 27 Feb is 0 months.
* **Float comparisons** against thresholds (spread, traceability, gap, at-target) allow a
  tolerance of 1e-9 so that a figure exactly at a threshold is not failed by
  floating-point noise (for example ``1.1 - 1.0``).
* **Spread** counts a team when its supporting frontline items in the window outnumber the
  items about that team that contradict the claim (of any source) in the window.
* **Durability** counts the unbroken run at or past target from its first reading to the
  latest reading (not to today), and is nothing when the latest reading is older than the
  window: readings that stopped prove nothing about now.
* **Traceability.** A link marked evidenced counts only while at least one of its items is
  current, supports the claim and falls in the window; otherwise it is assumed again.
* **Gap** is signed: leadership-side progress minus frontline-side progress.  A negative
  gap (frontline side ahead) always satisfies ``max_gap``.  Progress is clamped to 0..1, so
  overshooting one target cannot hide another that stalled; indicators without readings
  are left out of the gap and named.
"""

from __future__ import annotations

import calendar
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

__all__ = [
    "FRONTLINE_SOURCES",
    "LEVELS",
    "LEVEL_LABELS",
    "SOURCES",
    "SOURCE_LABELS",
    "Assessment",
    "CaseFacts",
    "CorroborationFigure",
    "DurabilityFigure",
    "EvidenceFact",
    "Figures",
    "GapFigure",
    "IndicatorDurability",
    "IndicatorFact",
    "IndicatorProgress",
    "LevelRule",
    "LinkFact",
    "LinkLapse",
    "Shortfall",
    "SourceCount",
    "SpreadFigure",
    "Thresholds",
    "ThresholdsError",
    "TeamFact",
    "TraceabilityFigure",
    "as_of_view",
    "assess",
    "assessment_to_dict",
    "compute_figures",
    "exceeds",
    "figures_to_dict",
    "link_lapses",
    "months_between",
]

SOURCES = ("care_records", "audits", "feedback", "staff_practice")
FRONTLINE_SOURCES = frozenset({"staff_practice", "care_records", "feedback"})
SOURCE_LABELS = {
    "care_records": "care records",
    "audits": "audits",
    "feedback": "feedback",
    "staff_practice": "staff practice",
}
LEVELS = ("contained", "emerging", "significant", "service_wide")
LEVEL_LABELS = {
    "contained": "Contained",
    "emerging": "Emerging",
    "significant": "Significant",
    "service_wide": "Service-wide",
}

_EPS = 1e-9
_RULE_LEVELS = LEVELS[1:]  # "contained" has no rule: it is always supportable


# --------------------------------------------------------------------------- inputs


def _check_date(value: Any, what: str) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime.date (not a datetime), got {value!r}")


def _check_finite(value: Any, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")


@dataclass(frozen=True)
class EvidenceFact:
    """One recorded evidence item; ``supports=False`` means it contradicts the claim."""

    id: int
    source: str
    supports: bool
    occurred_on: date
    team_id: int | None
    withdrawn: bool = False
    summary: str = ""
    recorded_at: datetime | None = None  # None: on the record from the start
    withdrawn_at: datetime | None = None
    valid_until: date | None = None  # after this date the item no longer counts

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(
                f"Evidence {self.id}: unknown source {self.source!r}; "
                f"expected one of {', '.join(SOURCES)}"
            )
        _check_date(self.occurred_on, f"Evidence {self.id} occurred_on")


@dataclass(frozen=True)
class IndicatorFact:
    """A measured indicator.  ``frontline=False`` means it sits on the leadership side."""

    id: int
    name: str
    higher_is_better: bool
    baseline: float
    target: float
    frontline: bool
    # (taken on, value) or (taken on, value, recorded at)
    readings: tuple[tuple, ...] = ()
    added_at: datetime | None = None

    def __post_init__(self) -> None:
        _check_finite(self.baseline, f"Indicator {self.name!r} baseline")
        _check_finite(self.target, f"Indicator {self.name!r} target")
        for reading in self.readings:
            on, value = reading[:2]
            _check_date(on, f"Indicator {self.name!r} reading date")
            _check_finite(value, f"Indicator {self.name!r} reading on {on}")


@dataclass(frozen=True)
class LinkFact:
    """A link in the claimed chain of influence, and whether it is marked evidenced.

    With ``evidence_ids`` the mark is checked against the evidence (see "Traceability")."""

    area: str
    evidenced: bool
    evidence_ids: tuple[int, ...] | None = None
    added_at: datetime | None = None


@dataclass(frozen=True)
class TeamFact:
    """A team, unit or shift pattern at the location, and when it existed."""

    id: int
    name: str
    added_at: datetime | None = None
    archived_at: datetime | None = None


@dataclass(frozen=True)
class CaseFacts:
    """Everything the figures are computed from.  ``team_ids`` are the ACTIVE teams."""

    today: date
    team_ids: frozenset[int] = frozenset()
    team_names: Mapping[int, str] = field(default_factory=dict)
    evidence: tuple[EvidenceFact, ...] = ()
    indicators: tuple[IndicatorFact, ...] = ()
    links: tuple[LinkFact, ...] = ()
    as_of: datetime | None = None  # the moment the record is read as of (see "As of")
    teams: tuple[TeamFact, ...] | None = None  # with timestamps; replaces team_ids when given

    def __post_init__(self) -> None:
        _check_date(self.today, "today")


# ----------------------------------------------------------------------- thresholds


class ThresholdsError(ValueError):
    """Invalid thresholds (unknown key, wrong type or out-of-range value)."""


_RULE_KEYS = (
    "spread",
    "durability_months",
    "corroboration",
    "frontline_corroboration",
    "traceability",
    "max_gap",
)


@dataclass(frozen=True)
class LevelRule:
    """What one influence level requires.  ``None`` means "no requirement"."""

    spread: float | None = None
    durability_months: int | None = None
    corroboration: int | None = None
    frontline_corroboration: bool = False
    traceability: float | None = None
    max_gap: float | None = None

    def __post_init__(self) -> None:
        _validate_rule(self.to_dict(), "rule")
        for name in ("spread", "traceability", "max_gap"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, float(value))

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _RULE_KEYS}


def _validate_rule(values: Mapping[str, Any], where: str) -> None:
    def is_int(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    def is_num(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

    for name in ("spread", "traceability"):
        v = values[name]
        if v is not None and not (is_num(v) and 0 <= v <= 1):
            raise ThresholdsError(f"{where}.{name} must be a number from 0 to 1 or null, got {v!r}")
    v = values["max_gap"]
    if v is not None and not is_num(v):
        raise ThresholdsError(f"{where}.max_gap must be a number or null, got {v!r}")
    v = values["durability_months"]
    if v is not None and not (is_int(v) and v >= 0):
        raise ThresholdsError(
            f"{where}.durability_months must be a whole number of at least 0 or null, got {v!r}"
        )
    v = values["corroboration"]
    if v is not None and not (is_int(v) and 0 <= v <= len(SOURCES)):
        raise ThresholdsError(
            f"{where}.corroboration must be a whole number from 0 to {len(SOURCES)} or null, "
            f"got {v!r}"
        )
    v = values["frontline_corroboration"]
    if not isinstance(v, bool):
        raise ThresholdsError(f"{where}.frontline_corroboration must be true or false, got {v!r}")


@dataclass(frozen=True)
class Thresholds:
    """The evidence window and the rule for each level above "contained"."""

    window_days: int = 90
    emerging: LevelRule = LevelRule(
        corroboration=2, frontline_corroboration=True, traceability=0.25
    )
    significant: LevelRule = LevelRule(
        spread=0.5, durability_months=3, corroboration=3, traceability=0.5, max_gap=0.25
    )
    service_wide: LevelRule = LevelRule(
        spread=0.8, durability_months=6, corroboration=4, traceability=0.75, max_gap=0.10
    )

    def __post_init__(self) -> None:
        w = self.window_days
        if isinstance(w, bool) or not isinstance(w, int) or w < 1:
            raise ThresholdsError(
                f"thresholds.window_days must be a whole number of at least 1, got {w!r}"
            )
        for level in _RULE_LEVELS:
            if not isinstance(getattr(self, level), LevelRule):
                raise ThresholdsError(f"thresholds.{level} must be a LevelRule")

    def rule(self, level: str) -> LevelRule | None:
        """The rule for ``level``; ``None`` for "contained" (always supportable)."""
        _check_level(level)
        return None if level == "contained" else getattr(self, level)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict; :meth:`from_dict` reads it back unchanged."""
        out: dict[str, Any] = {"window_days": self.window_days}
        for level in _RULE_LEVELS:
            out[level] = getattr(self, level).to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Thresholds:
        """Build thresholds from a (possibly partial) dict, merged over the defaults.

        ``{"significant": {"spread": 0.6}}`` changes only that one value.  Unknown keys and
        invalid values raise :class:`ThresholdsError` (a ``ValueError``) naming the offending key.
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ThresholdsError(f"thresholds must be a dict, got {type(data).__name__}")
        allowed = ("window_days", *_RULE_LEVELS)
        unknown = sorted(str(k) for k in data if k not in allowed)
        if unknown:
            raise ThresholdsError(
                f"Unknown threshold key(s): {', '.join(unknown)}; "
                f"expected any of {', '.join(allowed)}"
            )
        merged = cls().to_dict()
        if "window_days" in data:
            merged["window_days"] = data["window_days"]
        rules: dict[str, LevelRule] = {}
        for level in _RULE_LEVELS:
            part = data.get(level, {})
            if not isinstance(part, Mapping):
                raise ThresholdsError(f"thresholds.{level} must be a dict, got {part!r}")
            unknown = sorted(str(k) for k in part if k not in _RULE_KEYS)
            if unknown:
                raise ThresholdsError(
                    f"Unknown key(s) in thresholds.{level}: {', '.join(unknown)}; "
                    f"expected any of {', '.join(_RULE_KEYS)}"
                )
            values = {**merged[level], **part}
            _validate_rule(values, f"thresholds.{level}")
            rules[level] = LevelRule(**values)
        return cls(window_days=merged["window_days"], **rules)


# -------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class SpreadFigure:
    teams_with_evidence: int
    active_teams: int
    share: float
    teams_without_evidence: tuple[str, ...]
    teams_without_evidence_ids: tuple[int, ...]
    message: str
    # (team id, supporting frontline items in the window) for each active team, in id order
    supporting_per_team: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class IndicatorDurability:
    indicator_id: int
    name: str
    at_target: bool  # latest reading up to today is at or past target, and recent
    since: date | None  # first date of the unbroken at-target run ending at the latest reading
    days: int  # from `since` to the latest reading
    months: int
    stale: bool = False  # the latest reading is older than the window


@dataclass(frozen=True)
class DurabilityFigure:
    months: int  # shortest across indicators; 0 when there are none
    days: int
    limiting_indicator: str | None
    limiting_indicator_id: int | None
    indicators: tuple[IndicatorDurability, ...]
    message: str


@dataclass(frozen=True)
class SourceCount:
    source: str
    supporting: int
    contradicting: int
    corroborates: bool  # supporting > contradicting
    frontline: bool


@dataclass(frozen=True)
class CorroborationFigure:
    sources: int  # number of corroborating sources, 0-4
    frontline: bool  # at least one corroborating source is frontline
    counts: tuple[SourceCount, ...]  # one per source, in SOURCES order
    contradicting: tuple[EvidenceFact, ...]  # all in-window, non-withdrawn; by date then id
    message: str


@dataclass(frozen=True)
class TraceabilityFigure:
    evidenced: int
    total: int
    share: float
    unevidenced_areas: tuple[str, ...]
    message: str
    # marked evidenced, but none of their items is current, supporting and in the window
    lapsed_areas: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndicatorProgress:
    indicator_id: int
    name: str
    frontline: bool
    latest_on: date | None
    latest: float | None  # date-averaged
    progress: float


@dataclass(frozen=True)
class GapFigure:
    value: float | None  # None = unmeasured
    leadership_progress: float | None
    frontline_progress: float | None
    unmeasured_reason: str | None
    indicators: tuple[IndicatorProgress, ...]
    message: str
    unread: tuple[str, ...] = ()  # indicators left out: no readings yet

    @property
    def measured(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Figures:
    as_of: date
    window_days: int
    spread: SpreadFigure
    durability: DurabilityFigure
    corroboration: CorroborationFigure
    traceability: TraceabilityFigure
    gap: GapFigure
    warnings: tuple[str, ...]
    expired: int = 0  # items on the record whose valid-until date had passed


@dataclass(frozen=True)
class Shortfall:
    figure: str
    required: str
    actual: str
    message: str


@dataclass(frozen=True)
class Assessment:
    level: str
    unmet: Mapping[str, tuple[Shortfall, ...]]  # every level above ``level``, lowest first

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]


# -------------------------------------------------------------------------- helpers


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"Unknown level {level!r}; expected one of {', '.join(LEVELS)}")


def _add_months(start: date, months: int) -> date:
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end`` (0 if ``end`` is before ``start``).

    The largest ``n`` such that ``start`` plus ``n`` calendar months, with the day clamped
    to the end of the month, is on or before ``end``.  31 Jan -> 28 Feb is 1 month.
    """
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if _add_months(start, months) > end:
        months -= 1
    return months


def _in_window(on: date, today: date, window_days: int) -> bool:
    return today - timedelta(days=window_days) < on <= today


def _at_or_past(value: float, target: float, higher_is_better: bool) -> bool:
    tol = _EPS * max(1.0, abs(target))
    return value >= target - tol if higher_is_better else value <= target + tol


def _daily_means(indicator: IndicatorFact, today: date) -> list[tuple[date, float]]:
    by_date: dict[date, list[float]] = {}
    for on, value, *_ in indicator.readings:
        if on <= today:
            by_date.setdefault(on, []).append(float(value))
    return [(on, math.fsum(vals) / len(vals)) for on, vals in sorted(by_date.items())]


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _days(n: int) -> str:
    return "day" if n == 1 else f"{n} days"


def _join(items: Iterable[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _pct(x: float, dp: int = 0) -> str:
    return f"{x * 100:.{dp}f}%"


def _pct_plain(x: float) -> str:
    s = f"{x * 100:.2f}".rstrip("0").rstrip(".")
    return f"{s}%"


def _pct_against(actual: float, required: float) -> str:
    """Format ``actual`` with enough precision that it never looks equal to ``required``."""
    for dp in (0, 1, 2):
        if round(actual * 100, dp) != round(required * 100, 2):
            return _pct(actual, dp)
    return _pct(actual, 2)


def _num(x: float, dp: int = 2) -> str:
    s = f"{x:.{dp}f}"
    return "0.00" if s in ("-0.00", "-0.0", "-0") else s


def _num_plain(x: float) -> str:
    """At least two and at most four decimal places: 0.1 -> "0.10", 0.125 -> "0.125"."""
    whole, _, decimals = f"{x:.4f}".partition(".")
    decimals = decimals.rstrip("0").ljust(2, "0")
    return _num(float(f"{whole}.{decimals}"), len(decimals))


def _num_against(actual: float, required: float) -> str:
    for dp in (2, 3, 4):
        if round(actual, dp) != round(required, 4):
            return _num(actual, dp)
    return _num(actual, 4)


# ------------------------------------------------------------------------- as of


def _on_record(recorded_at: datetime | None, cutoff: datetime | None) -> bool:
    return recorded_at is None or cutoff is None or recorded_at <= cutoff


def _gone(flag: bool, at: datetime | None, cutoff: datetime | None) -> bool:
    """Withdrawn or archived by the cutoff (with no cutoff, at any time)."""
    if at is None:
        return flag
    return cutoff is None or at <= cutoff


def is_expired(e: EvidenceFact, today: date) -> bool:
    return e.valid_until is not None and e.valid_until < today


def as_of_view(facts: CaseFacts, window_days: int = 90) -> CaseFacts:
    """The record as it stood at ``facts.as_of``: what was recorded by then, with what was
    withdrawn (or archived) by then marked so, and each evidenced link checked against the
    evidence current then. Expired items are marked withdrawn too (counted apart)."""
    cutoff = facts.as_of
    evidence = tuple(
        replace(
            e,
            withdrawn=_gone(e.withdrawn, e.withdrawn_at, cutoff) or is_expired(e, facts.today),
            # nothing that happened after the cutoff may show through
            withdrawn_at=e.withdrawn_at if _gone(False, e.withdrawn_at, cutoff) else None,
        )
        for e in facts.evidence
        if _on_record(e.recorded_at, cutoff)
    )
    indicators = tuple(
        replace(ind, readings=tuple(r for r in ind.readings if _on_record(_recorded(r), cutoff)))
        for ind in facts.indicators
        if _on_record(ind.added_at, cutoff)
    )
    backing = {
        e.id
        for e in evidence
        if e.supports and not e.withdrawn and _in_window(e.occurred_on, facts.today, window_days)
    }
    links = tuple(
        replace(
            link,
            evidenced=link.evidenced
            and (link.evidence_ids is None or any(i in backing for i in link.evidence_ids)),
        )
        for link in facts.links
        if _on_record(link.added_at, cutoff)
    )
    team_ids, team_names = facts.team_ids, facts.team_names
    if facts.teams is not None:
        current = [
            team
            for team in facts.teams
            if _on_record(team.added_at, cutoff) and not _gone(False, team.archived_at, cutoff)
        ]
        team_ids = frozenset(team.id for team in current)
        team_names = {team.id: team.name for team in current}
    return replace(
        facts,
        evidence=evidence,
        indicators=indicators,
        links=links,
        team_ids=team_ids,
        team_names=team_names,
        teams=None,
    )


def _recorded(reading: tuple) -> datetime | None:
    return reading[2] if len(reading) > 2 else None


# ---------------------------------------------------------------- figure builders


def _spread(facts: CaseFacts, window: int) -> SpreadFigure:
    active = frozenset(facts.team_ids)
    current = [
        e
        for e in facts.evidence
        if not e.withdrawn
        and e.team_id in active
        and _in_window(e.occurred_on, facts.today, window)
    ]
    per_team = Counter(e.team_id for e in current if e.supports and e.source in FRONTLINE_SOURCES)
    against = Counter(e.team_id for e in current if not e.supports)
    covered = {tid for tid, n in per_team.items() if n > against[tid]}
    names = facts.team_names or {}

    def name(tid: int) -> str:
        return names.get(tid) or f"Team {tid}"

    missing = sorted(active - covered, key=lambda t: (name(t).casefold(), t))
    n, d = len(covered), len(active)
    share = n / d if d else 0.0
    if d == 0:
        message = "No active teams are recorded, so spread is 0%"
    else:
        verb = "has" if n == 1 or d == 1 else "have"
        message = (
            f"{n} of {_plural(d, 'team')} {verb} supporting frontline evidence "
            f"in the last {_days(window)}"
        )
    return SpreadFigure(
        teams_with_evidence=n,
        active_teams=d,
        share=share,
        teams_without_evidence=tuple(name(t) for t in missing),
        teams_without_evidence_ids=tuple(missing),
        message=message,
        supporting_per_team=tuple((tid, per_team.get(tid, 0)) for tid in sorted(active)),
    )


def _indicator_durability(ind: IndicatorFact, today: date, window: int) -> IndicatorDurability:
    readings = _daily_means(ind, today)
    if not readings or not _at_or_past(readings[-1][1], ind.target, ind.higher_is_better):
        return IndicatorDurability(ind.id, ind.name, False, None, 0, 0)
    latest = readings[-1][0]
    if not _in_window(latest, today, window):
        return IndicatorDurability(ind.id, ind.name, False, None, 0, 0, stale=True)
    i = len(readings) - 1
    while i > 0 and _at_or_past(readings[i - 1][1], ind.target, ind.higher_is_better):
        i -= 1
    since = readings[i][0]
    return IndicatorDurability(
        ind.id, ind.name, True, since, (latest - since).days, months_between(since, latest)
    )


def _durability(facts: CaseFacts, window: int) -> DurabilityFigure:
    inds = tuple(facts.indicators)
    per = tuple(_indicator_durability(ind, facts.today, window) for ind in inds)
    if not per:
        return DurabilityFigure(
            0, 0, None, None, (), "No indicators are recorded, so durability is 0 months"
        )
    i = min(range(len(per)), key=lambda k: (per[k].days, per[k].at_target, k))
    limit = per[i]
    if limit.at_target:
        detail = limit.name
    elif not _daily_means(inds[i], facts.today):
        detail = f"{limit.name} has no readings yet"
    elif limit.stale:
        detail = f"{limit.name} has no reading in the last {_days(window)}"
    else:
        detail = f"{limit.name} is not at target"
    message = f"Shortest hold at target: {_plural(limit.months, 'month')} ({detail})"
    return DurabilityFigure(
        months=limit.months,
        days=limit.days,
        limiting_indicator=limit.name,
        limiting_indicator_id=limit.indicator_id,
        indicators=per,
        message=message,
    )


def _corroboration(facts: CaseFacts, window: int) -> CorroborationFigure:
    supporting = dict.fromkeys(SOURCES, 0)
    contradicting = dict.fromkeys(SOURCES, 0)
    against: list[EvidenceFact] = []
    for e in facts.evidence:
        if e.withdrawn or not _in_window(e.occurred_on, facts.today, window):
            continue
        if e.supports:
            supporting[e.source] += 1
        else:
            contradicting[e.source] += 1
            against.append(e)
    counts = tuple(
        SourceCount(
            source=s,
            supporting=supporting[s],
            contradicting=contradicting[s],
            corroborates=supporting[s] > contradicting[s],
            frontline=s in FRONTLINE_SOURCES,
        )
        for s in SOURCES
    )
    corroborating = [c for c in counts if c.corroborates]
    frontline = any(c.frontline for c in corroborating)
    against.sort(key=lambda e: (e.occurred_on, e.id))
    if corroborating:
        labels = _join(SOURCE_LABELS[c.source] for c in corroborating)
        verb = "corroborates" if len(corroborating) == 1 else "corroborate"
        message = (
            f"{len(corroborating)} of {len(SOURCES)} sources {verb} the claim ({labels}) "
            f"in the last {_days(window)}"
        )
        if not frontline:
            message += "; none of them is frontline"
    else:
        message = f"No source corroborates the claim in the last {_days(window)}"
    if against:
        message += f"; {_plural(len(against), 'contradicting item')} recorded"
    else:
        message += "; no contradicting items recorded"
    return CorroborationFigure(
        sources=len(corroborating),
        frontline=frontline,
        counts=counts,
        contradicting=tuple(against),
        message=message,
    )


def _traceability(facts: CaseFacts, lapsed: tuple[str, ...] = ()) -> TraceabilityFigure:
    links = tuple(facts.links)
    total = len(links)
    evidenced = sum(1 for link in links if link.evidenced)
    missing = tuple(link.area for link in links if not link.evidenced)
    if total == 0:
        return TraceabilityFigure(0, 0, 0.0, (), "No links are recorded, so traceability is 0%")
    share = evidenced / total
    verb = "is" if evidenced == 1 else "are"
    message = f"{evidenced} of {_plural(total, 'link')} {verb} evidenced ({_pct(share)})"
    if lapsed:
        message += f"; assumed again, no current supporting evidence in the window: {_join(lapsed)}"
    return TraceabilityFigure(evidenced, total, share, missing, message, lapsed)


def _progress(ind: IndicatorFact, today: date) -> IndicatorProgress:
    readings = _daily_means(ind, today)
    if not readings:
        return IndicatorProgress(ind.id, ind.name, ind.frontline, None, None, 0.0)
    on, latest = readings[-1]
    if ind.target == ind.baseline:
        progress = 1.0 if _at_or_past(latest, ind.target, ind.higher_is_better) else 0.0
    else:
        progress = (latest - ind.baseline) / (ind.target - ind.baseline)
    progress = min(1.0, max(0.0, progress))
    return IndicatorProgress(ind.id, ind.name, ind.frontline, on, latest, progress)


def _gap(facts: CaseFacts) -> GapFigure:
    per = tuple(_progress(ind, facts.today) for ind in facts.indicators)
    unread = tuple(p.name for p in per if p.latest_on is None)
    read = [p for p in per if p.latest_on is not None]
    lead = [p.progress for p in read if not p.frontline]
    front = [p.progress for p in read if p.frontline]
    lead_mean = math.fsum(lead) / len(lead) if lead else None
    front_mean = math.fsum(front) / len(front) if front else None
    if lead_mean is None or front_mean is None:
        missing = []
        if front_mean is None:
            missing.append("frontline-side")
        if lead_mean is None:
            missing.append("leadership-side")
        reason = f"no {' or '.join(missing)} indicator"
        return GapFigure(
            None, lead_mean, front_mean, reason, per, f"Gap is unmeasured ({reason})", unread
        )
    value = lead_mean - front_mean
    message = (
        f"Gap {_num(value)}: leadership-side progress {_pct(lead_mean)}, "
        f"frontline-side progress {_pct(front_mean)}"
    )
    if value < -_EPS:
        message += " (frontline side is ahead)"
    if unread:
        message += f"; left out, no readings yet: {_join(unread)}"
    return GapFigure(value, lead_mean, front_mean, None, per, message, unread)


@dataclass(frozen=True)
class LinkLapse:
    """A link marked evidenced that stopped being evidenced: the day its last current,
    supporting item stopped counting, and why (``at`` is the exact moment for a withdrawal)."""

    area: str
    on: date
    cause: str
    at: datetime | None = None


def link_lapses(facts: CaseFacts, window_days: int = 90) -> tuple[LinkLapse, ...]:
    """Each link marked evidenced whose backing has run out by ``facts.today``.

    An item backs a link while it supports the claim, is not withdrawn, has not expired and
    occurred within the evidence window; it stops on the earliest of those ends. The link is
    assumed again from the day its LAST backing item stops. Pure: the case timeline shows
    these next to the recorded history."""
    by_id = {e.id: e for e in facts.evidence}
    out = []
    for link in facts.links:
        if not link.evidenced or not link.evidence_ids:
            continue
        ends = []
        for item_id in link.evidence_ids:
            e = by_id.get(item_id)
            if e is None or not e.supports or (e.withdrawn and e.withdrawn_at is None):
                continue
            candidates = [
                (
                    e.occurred_on + timedelta(days=window_days),
                    f"its supporting evidence is older than {window_days} days",
                    None,
                )
            ]
            if e.valid_until is not None:
                candidates.append(
                    (e.valid_until + timedelta(days=1), "its last supporting item expired", None)
                )
            if e.withdrawn_at is not None:
                candidates.append(
                    (
                        e.withdrawn_at.date(),
                        "its last supporting item was withdrawn",
                        e.withdrawn_at,
                    )
                )
            ends.append(min(candidates, key=lambda c: c[0]))
        if not ends:
            continue
        on, cause, at = max(ends, key=lambda c: c[0])
        if on <= facts.today:
            out.append(LinkLapse(link.area, on, cause, at))
    return tuple(sorted(out, key=lambda lapse: (lapse.on, lapse.area)))


def compute_figures(facts: CaseFacts, thresholds: Thresholds = Thresholds()) -> Figures:
    """Compute all readiness figures for ``facts`` as at ``facts.today`` (and, when given,
    as the record stood at ``facts.as_of``)."""
    window = thresholds.window_days
    claimed = {link.area for link in facts.links if link.evidenced}
    expired = sum(
        1
        for e in facts.evidence
        if _on_record(e.recorded_at, facts.as_of)
        and not _gone(e.withdrawn, e.withdrawn_at, facts.as_of)
        and is_expired(e, facts.today)
    )
    facts = as_of_view(facts, window)
    lapsed = tuple(link.area for link in facts.links if link.area in claimed and not link.evidenced)
    spread = _spread(facts, window)
    durability = _durability(facts, window)
    corroboration = _corroboration(facts, window)
    traceability = _traceability(facts, lapsed)
    gap = _gap(facts)

    warnings: list[str] = []
    if spread.active_teams == 0:
        warnings.append("No active teams are recorded for this location, so spread is 0%")
    if not facts.indicators:
        warnings.append("No indicators are recorded, so durability is 0 months")
    for p in gap.indicators:
        if p.latest_on is None:
            warnings.append(
                f"Indicator {p.name!r} has no readings on or before {facts.today.isoformat()}"
            )
    if corroboration.contradicting:
        n = len(corroboration.contradicting)
        warnings.append(
            f"{_plural(n, 'contradicting evidence item')} in the last {_days(window)} "
            f"(listed under corroboration)"
        )
    if traceability.total == 0:
        warnings.append("No links are recorded, so traceability is 0%")
    if gap.value is None:
        blocked = [
            LEVEL_LABELS[lv] for lv in _RULE_LEVELS if getattr(thresholds, lv).max_gap is not None
        ]
        text = f"Gap is unmeasured ({gap.unmeasured_reason})"
        if blocked:
            text += f", so {_join(blocked)} cannot be supported"
        warnings.append(text)

    return Figures(
        as_of=facts.today,
        window_days=window,
        spread=spread,
        durability=durability,
        corroboration=corroboration,
        traceability=traceability,
        gap=gap,
        warnings=tuple(warnings),
        expired=expired,
    )


# ------------------------------------------------------------------------ assessment


def _shortfalls(figures: Figures, rule: LevelRule, level: str) -> list[Shortfall]:
    label = LEVEL_LABELS[level]
    out: list[Shortfall] = []

    if rule.spread is not None and figures.spread.share < rule.spread - _EPS:
        req, act = _pct_plain(rule.spread), _pct_against(figures.spread.share, rule.spread)
        out.append(
            Shortfall("spread", req, act, f"Spread {act} is below the {req} needed for {label}")
        )

    if rule.durability_months is not None and figures.durability.months < rule.durability_months:
        req = _plural(rule.durability_months, "month")
        act = _plural(figures.durability.months, "month")
        msg = f"Durability {act} is below the {req} needed for {label}"
        if figures.durability.limiting_indicator:
            msg += f" (limited by {figures.durability.limiting_indicator})"
        out.append(Shortfall("durability", req, act, msg))

    if rule.corroboration is not None and figures.corroboration.sources < rule.corroboration:
        req = _plural(rule.corroboration, "source")
        act = _plural(figures.corroboration.sources, "source")
        out.append(
            Shortfall(
                "corroboration",
                req,
                act,
                f"Corroboration from {act} is below the {req} needed for {label}",
            )
        )

    if rule.frontline_corroboration and not figures.corroboration.frontline:
        frontline = _join(SOURCE_LABELS[s] for s in SOURCES if s in FRONTLINE_SOURCES)
        frontline = frontline.replace(" and ", " or ")
        out.append(
            Shortfall(
                "frontline_corroboration",
                "a corroborating frontline source",
                "none",
                f"No frontline source ({frontline}) corroborates the claim; "
                f"{label} needs frontline corroboration",
            )
        )

    if rule.traceability is not None and figures.traceability.share < rule.traceability - _EPS:
        req = _pct_plain(rule.traceability)
        act = _pct_against(figures.traceability.share, rule.traceability)
        out.append(
            Shortfall(
                "traceability",
                req,
                act,
                f"Traceability {act} is below the {req} needed for {label}",
            )
        )

    if rule.max_gap is not None:
        req = _num_plain(rule.max_gap)
        gap = figures.gap
        if gap.value is None:
            out.append(
                Shortfall(
                    "gap",
                    f"at most {req}",
                    "unmeasured",
                    f"Gap is unmeasured ({gap.unmeasured_reason}); "
                    f"{label} needs a gap of at most {req}",
                )
            )
        elif gap.value > rule.max_gap + _EPS:
            act = _num_against(gap.value, rule.max_gap)
            out.append(
                Shortfall(
                    "gap",
                    f"at most {req}",
                    act,
                    f"Gap {act} is above the {req} allowed for {label}",
                )
            )
    return out


def assess(figures: Figures, thresholds: Thresholds = Thresholds()) -> Assessment:
    """The highest level whose rule and every lower level's rule are met.

    ``unmet`` has an entry for every level above the supportable one: that level's own
    shortfalls, plus (for levels more than one step up) a ``"prerequisite"`` shortfall
    naming the lower level that must be met first, so no entry is ever empty.
    """
    own = {lv: tuple(_shortfalls(figures, getattr(thresholds, lv), lv)) for lv in _RULE_LEVELS}
    level = "contained"
    for lv in _RULE_LEVELS:
        if own[lv]:
            break
        level = lv
    unmet: dict[str, tuple[Shortfall, ...]] = {}
    start = LEVELS.index(level) + 1
    for i in range(start, len(LEVELS)):
        lv = LEVELS[i]
        items = list(own[lv])
        if i > start:
            below = LEVELS[i - 1]
            items.append(
                Shortfall(
                    "prerequisite",
                    LEVEL_LABELS[below],
                    LEVEL_LABELS[level],
                    f"{LEVEL_LABELS[lv]} also needs {LEVEL_LABELS[below]} to be met first",
                )
            )
        unmet[lv] = tuple(items)
    return Assessment(level=level, unmet=unmet)


def exceeds(level: str, supportable: str) -> bool:
    """True when ``level`` is higher than ``supportable`` (i.e. would be an overclaim)."""
    _check_level(level)
    _check_level(supportable)
    return LEVELS.index(level) > LEVELS.index(supportable)


# ------------------------------------------------------------------------ snapshots


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (frozenset, set)):
        return [_jsonable(v) for v in sorted(value)]
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    raise TypeError(f"Cannot snapshot value of type {type(value).__name__}")


def figures_to_dict(figures: Figures) -> dict[str, Any]:
    """JSON-serialisable snapshot: dates as ISO strings, floats rounded to 4 dp."""
    return _jsonable(figures)


def assessment_to_dict(assessment: Assessment) -> dict[str, Any]:
    """JSON-serialisable snapshot of an :class:`Assessment`."""
    return _jsonable(assessment)
