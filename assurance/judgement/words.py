"""Each readiness figure explained in plain words, with its numbers, for the case page, the
review page and the reports. Pure Python: takes `readiness.Figures`, returns sentences.

readiness.py keeps its own short messages (stored with judgements and reviews); these are
what people read.
"""

from dataclasses import dataclass
from datetime import date

from assurance.judgement import readiness

_EPS = 1e-9
# (share, words): "about two-thirds as far".
_FRACTIONS = (
    (1 / 4, "a quarter"),
    (1 / 3, "a third"),
    (1 / 2, "half"),
    (2 / 3, "two-thirds"),
    (3 / 4, "three-quarters"),
)


@dataclass(frozen=True)
class FigureWords:
    spread: str
    durability: str
    corroboration: str
    traceability: str
    gap: str


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def _day(on: date) -> str:
    return f"{on.day} {on:%B %Y}"


def _join(items) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _days(window: int) -> str:
    return "today" if window == 1 else f"the last {window} days"


def spread_words(f: readiness.SpreadFigure, window: int) -> str:
    if f.active_teams == 0:
        return "No teams are recorded yet, so no team can show the change (spread 0%)."
    if f.teams_with_evidence == f.active_teams:
        every = "The team has" if f.active_teams == 1 else f"All {f.active_teams} teams have"
        return f"{every} supporting frontline evidence from {_days(window)} (spread 100%)."
    verb = "has" if f.teams_with_evidence == 1 or f.active_teams == 1 else "have"
    sentence = (
        f"{f.teams_with_evidence} of {_n(f.active_teams, 'team')} {verb} supporting frontline "
        f"evidence from {_days(window)} (spread {_pct(f.share)})"
    )
    if f.teams_without_evidence:
        sentence += f"; not yet: {_join(f.teams_without_evidence)}"
    return sentence + "."


def durability_words(f: readiness.DurabilityFigure, window: int, unread=()) -> str:
    """`unread`: the names of indicators with no readings yet."""
    if not f.indicators:
        return "No indicators are recorded yet, so nothing shows the change lasting (0 months)."
    limit = next(i for i in f.indicators if i.indicator_id == f.limiting_indicator_id)
    if limit.at_target:
        every = "The indicator has" if len(f.indicators) == 1 else "Every indicator has"
        if f.months == 0:
            return (
                f"{every} reached its target, but for less than a month so far: "
                f"{limit.name} has been at target since {_day(limit.since)} (0 months)."
            )
        return (
            f"{every} held at target for {_n(f.months, 'month')} in a row or longer; the "
            f"shortest run is {limit.name}, at target since {_day(limit.since)}."
        )
    if limit.stale:
        why = f"{limit.name} has had no reading in {_days(window)}"
    elif limit.name in unread:
        why = f"{limit.name} has no readings yet"
    else:
        why = f"{limit.name} is not at its target"
    return f"The change has not held at target yet: {why} (0 months)."


def corroboration_words(f: readiness.CorroborationFigure, window: int) -> str:
    backing = [c for c in f.counts if c.corroborates]
    kinds = len(f.counts)
    if backing:
        names = _join(readiness.SOURCE_LABELS[c.source] for c in backing)
        verb = "backs" if len(backing) == 1 else "back"
        sentence = (
            f"{len(backing)} of the {kinds} kinds of evidence {verb} the claim in "
            f"{_days(window)}: {names}"
        )
        if not f.frontline:
            sentence += "; none of them comes from the front line"
    else:
        sentence = f"No kind of evidence backs the claim in {_days(window)} yet"
    against = len(f.contradicting)
    if against:
        points = "points" if against == 1 else "point"
        sentence += f"; {_n(against, 'item')} {points} the other way"
    else:
        sentence += "; nothing recorded points the other way"
    return sentence + "."


def traceability_words(f: readiness.TraceabilityFigure) -> str:
    if f.total == 0:
        return "No wider areas are linked to the claim yet, so none is backed by evidence (0%)."
    verb = "is" if f.evidenced == 1 else "are"
    sentence = (
        f"{f.evidenced} of the {_n(f.total, 'wider area')} the claim reaches {verb} backed by "
        f"evidence ({_pct(f.share)})"
    )
    assumed = [a for a in f.unevidenced_areas if a not in f.lapsed_areas]
    if assumed:
        sentence += f"; still assumed: {_join(assumed)}"
    if f.lapsed_areas:
        sentence += f"; assumed again, its evidence no longer current: {_join(f.lapsed_areas)}"
    return sentence + "."


def _how_far(ratio: float) -> str:
    if ratio >= 0.9:
        return "nearly as far as"
    share, words = min(_FRACTIONS, key=lambda item: abs(item[0] - ratio))
    return f"about {words} as far as"


def gap_words(f: readiness.GapFigure) -> str:
    """How far frontline indicators have moved compared with leadership ones, each as the
    share of the way from baseline to target."""
    left_out = f"; left out until they have readings: {_join(f.unread)}" if f.unread else ""
    if f.value is None:
        if f.frontline_progress is None and f.leadership_progress is None:
            reason = "no indicator has readings yet"
        elif f.frontline_progress is None:
            reason = "no frontline indicator has readings yet"
        else:
            reason = "no leadership indicator has readings yet"
        return f"Leadership and frontline progress cannot be compared yet: {reason}{left_out}."
    lead, front = f.leadership_progress, f.frontline_progress
    numbers = f"{_pct(front)} against {_pct(lead)}"
    if lead <= _EPS and front <= _EPS:
        sentence = (
            "Neither leadership nor frontline indicators have moved from their baselines "
            f"yet: {numbers}"
        )
    elif front >= lead - _EPS:
        ahead = " or further" if front > lead + _EPS else ""
        sentence = f"Frontline indicators have moved as far as leadership ones{ahead}: {numbers}"
    elif front / lead < 0.1:
        sentence = f"Frontline indicators have hardly moved, while leadership ones have: {numbers}"
    else:
        sentence = (
            f"Frontline indicators have moved {_how_far(front / lead)} leadership ones: {numbers}"
        )
    return f"{sentence} of the way to target (gap {f.value:.2f}){left_out}."


def explain(figures: readiness.Figures) -> FigureWords:
    window = figures.window_days
    return FigureWords(
        spread=spread_words(figures.spread, window),
        durability=durability_words(figures.durability, window, figures.gap.unread),
        corroboration=corroboration_words(figures.corroboration, window),
        traceability=traceability_words(figures.traceability),
        gap=gap_words(figures.gap),
    )
