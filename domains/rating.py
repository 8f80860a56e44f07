"""Indicative CQC Single Assessment Framework (saf-2024) ratings.

Pure standard-library logic so it can be tested and reused without Django.

Everything here is *indicative*: CQC publishes the scoring bands and the aggregation
principles, but inspectors may depart from them with recorded reasons. Where the published
text does not decide a case (a percentage between bands, a single Inadequate key question)
the functions say "judgement required" instead of inventing a rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "KEY_QUESTIONS",
    "KEY_QUESTION_NAMES",
    "LABELS",
    "OUTSTANDING",
    "GOOD",
    "REQUIRES_IMPROVEMENT",
    "INADEQUATE",
    "SAF_2024_BANDS",
    "Band",
    "KeyQuestionResult",
    "OverallResult",
    "key_question_result",
    "next_band_down",
    "next_band_up",
    "overall_from_results",
    "overall_rating",
    "would_change_overall",
]

OUTSTANDING = "Outstanding"
GOOD = "Good"
REQUIRES_IMPROVEMENT = "Requires improvement"
INADEQUATE = "Inadequate"

LABELS: tuple[str, ...] = (OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, INADEQUATE)
"""Rating labels, best first."""

KEY_QUESTIONS: tuple[str, ...] = ("safe", "effective", "caring", "responsive", "well_led")
"""The five key questions; an overall rating needs exactly these."""

MIN_SCORE = 1
MAX_SCORE = 4

INDICATIVE_NOTE = (
    "Indicative only: inspectors may depart from these principles with recorded reasons"
)


@dataclass(frozen=True)
class Band:
    """A published percentage band, inclusive at both ends (e.g. Good is 63-87%)."""

    label: str
    from_pct: float
    to_pct: float


SAF_2024_BANDS: tuple[Band, ...] = (
    Band(INADEQUATE, 25, 38),
    Band(REQUIRES_IMPROVEMENT, 39, 62),
    Band(GOOD, 63, 87),
    Band(OUTSTANDING, 88, 100),
)
"""saf-2024 key question bands, lowest first. The gaps between them are deliberate: CQC
publishes no rounding rule, so a percentage in a gap is reported as a boundary."""


@dataclass(frozen=True)
class KeyQuestionResult:
    """The indicative rating for one key question.

    ``percentage`` is exact (not rounded) so callers choose their own display precision.
    ``boundary`` is True when the percentage falls between two published bands and nothing
    resolved it; then ``label`` is None and ``candidates`` holds the two neighbouring labels
    (lower band first).

    ``scored`` of ``statements`` quality statements were scored. While some are not
    (``not_enough_scores``) there is no percentage and no band: a part of a key question
    says nothing about the whole of it.
    """

    percentage: float | None
    label: str | None
    boundary: bool
    candidates: tuple[str, ...]
    reasons: tuple[str, ...]
    scored: int = 0
    statements: int = 0

    @property
    def not_enough_scores(self) -> bool:
        return self.scored < self.statements

    @property
    def scores_text(self) -> str:
        """What a key question shows instead of a band, e.g. "not enough scores (3 of 8)"."""
        return f"not enough scores ({self.scored} of {self.statements})"


@dataclass(frozen=True)
class OverallResult:
    """The indicative overall rating from the five key question ratings.

    ``label`` is None exactly when ``judgement_required`` is True. ``breach_capped`` is True
    only when a breach of regulations actually lowered the label that the principles gave.
    """

    label: str | None
    judgement_required: bool
    reasons: tuple[str, ...]
    breach_capped: bool


def _fmt(value: float | Fraction) -> str:
    """Format a percentage for reasons: up to 2 dp, no trailing zeros (62.5, 38, 58.33)."""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _band_text(band: Band) -> str:
    return f"{band.label} ({_fmt(band.from_pct)}-{_fmt(band.to_pct)}%)"


def _validate_bands(bands: Sequence[Band]) -> tuple[Band, ...]:
    """Bands must be non-empty, ascending and non-overlapping, or classification is ambiguous."""
    result = tuple(bands)
    if not result:
        raise ValueError("bands must not be empty")
    for band in result:
        if band.from_pct > band.to_pct:
            raise ValueError(f"band {band.label!r} starts above where it ends")
    for lower, upper in zip(result, result[1:], strict=False):
        if upper.from_pct <= lower.to_pct:
            raise ValueError(
                f"bands must be ascending and non-overlapping: {lower.label!r} then {upper.label!r}"
            )
    return result


def _validate_scores(scores: Sequence[int]) -> tuple[int, ...]:
    """Reject anything but ints 1-4; bools are ints in Python but never a valid score."""
    if isinstance(scores, str | bytes):
        raise ValueError("scores must be a sequence of integers 1-4, not a string")
    result = tuple(scores)
    for position, score in enumerate(result, start=1):
        if isinstance(score, bool) or not isinstance(score, int):
            raise ValueError(
                f"score {position} is {score!r}: quality statement scores must be integers 1-4"
            )
        if not MIN_SCORE <= score <= MAX_SCORE:
            raise ValueError(
                f"score {position} is {score}: quality statement scores must be between 1 and 4"
            )
    return result


def _limit(
    scores: tuple[int, ...], order: tuple[str, ...], limiters: bool
) -> tuple[str | None, str | None]:
    """Return (best label allowed, reason) under the opt-in score limiters, or (None, None).

    ``order`` is the band labels lowest first. The limiters are not confirmed in CQC text,
    which is why they are off unless asked for and always named in the reasons.
    """
    if not limiters:
        return None, None
    for needed in (REQUIRES_IMPROVEMENT, GOOD):
        if needed not in order:
            raise ValueError(f"limiters need a {needed!r} band")
    if 1 in scores:
        return REQUIRES_IMPROVEMENT, (
            "Limiter applied (unconfirmed in CQC text): a quality statement scored 1 limits "
            "the key question to Requires improvement at best"
        )
    if 2 in scores:
        return GOOD, (
            "Limiter applied (unconfirmed in CQC text): a quality statement scored 2 "
            "prevents Outstanding"
        )
    return None, None


def _check_statements(statements: object, scored: int) -> int:
    if isinstance(statements, bool) or not isinstance(statements, int) or statements < scored:
        raise ValueError(
            f"statements must be a whole number of at least the {scored} scores given, "
            f"got {statements!r}"
        )
    return statements


def key_question_result(
    scores: Sequence[int],
    bands: Sequence[Band] = SAF_2024_BANDS,
    *,
    limiters: bool = False,
    statements: int | None = None,
) -> KeyQuestionResult:
    """Score a key question from its quality statement scores (each 1-4).

    ``statements`` is how many quality statements the key question has (``None``: the scores
    given are all of them). With fewer scores than statements there is no percentage and no
    band, only "not enough scores (n of m)": one statement scored 4 out of eight is not an
    Outstanding key question.

    The percentage is the sum of scores over the maximum possible (statements x 4). It is
    compared exactly (as a fraction) so an edge such as 38% or 63% is never lost to float
    error. A percentage between bands is a boundary: no published rule decides it, so the
    result carries both neighbouring labels instead of a guess.

    With ``limiters=True`` the unconfirmed score limiters apply: any 1 caps the key question
    at Requires improvement, any 2 rules out Outstanding. A limiter may resolve a boundary
    when it rules out the upper candidate.
    """
    checked = _validate_scores(scores)
    ordered = _validate_bands(bands)
    count = len(checked) if statements is None else _check_statements(statements, len(checked))
    if len(checked) < count:
        missing = count - len(checked)
        return KeyQuestionResult(
            None,
            None,
            False,
            (),
            (
                f"not enough scores ({len(checked)} of {count}): "
                f"{missing} quality statement{'s' if missing != 1 else ''} not scored yet, "
                "so no percentage or band is given",
            ),
            scored=len(checked),
            statements=count,
        )
    if not checked:
        return KeyQuestionResult(None, None, False, (), ("No quality statements scored yet",))

    total = sum(checked)
    maximum = len(checked) * MAX_SCORE
    exact = Fraction(total * 100, maximum)
    percentage = float(exact)
    scored = (
        f"{len(checked)} quality statement{'s' if len(checked) != 1 else ''} scored "
        f"{total} of {maximum} ({_fmt(exact)}%)"
    )

    order = tuple(band.label for band in ordered)
    cap, cap_reason = _limit(checked, order, limiters)

    candidates: tuple[str, ...] = ()
    label: str | None = None
    reasons = [scored]
    for band in ordered:
        if band.from_pct <= exact <= band.to_pct:
            label = band.label
            reasons.append(f"{_fmt(exact)}% falls in {_band_text(band)}")
            break
    else:
        for lower, upper in zip(ordered, ordered[1:], strict=False):
            if lower.to_pct < exact < upper.from_pct:
                candidates = (lower.label, upper.label)
                reasons.append(
                    f"{_fmt(exact)}% falls between {_band_text(lower)} and {_band_text(upper)}: "
                    "judgement required"
                )
                break
        else:
            raise ValueError(f"{_fmt(exact)}% is outside every band")

    if cap is not None and cap_reason is not None:
        cap_rank = order.index(cap)
        if label is not None and order.index(label) > cap_rank:
            reasons.append(cap_reason)
            reasons.append(f"{label} lowered to {cap}")
            label = cap
        elif candidates and order.index(candidates[-1]) > cap_rank:
            allowed = [c for c in candidates if order.index(c) <= cap_rank]
            resolved = allowed[-1] if allowed else cap
            reasons.append(cap_reason)
            reasons.append(f"Boundary resolved to {resolved} by the limiter")
            label, candidates = resolved, ()

    return KeyQuestionResult(
        percentage=percentage,
        label=label,
        boundary=bool(candidates),
        candidates=candidates,
        reasons=tuple(reasons),
        scored=len(checked),
        statements=count,
    )


def _check_label(label: object) -> str:
    if not isinstance(label, str) or label not in LABELS:
        raise ValueError(f"unknown rating label {label!r}; expected one of {', '.join(LABELS)}")
    return label


def next_band_up(label: str) -> str | None:
    """The next better rating, or None from Outstanding (there is nothing above it)."""
    index = LABELS.index(_check_label(label))
    return LABELS[index - 1] if index > 0 else None


def next_band_down(label: str) -> str | None:
    """The next worse rating, or None from Inadequate (there is nothing below it)."""
    index = LABELS.index(_check_label(label))
    return LABELS[index + 1] if index < len(LABELS) - 1 else None


def _check_ratings(ratings: Mapping[str, str | None]) -> dict[str, str | None]:
    """Exactly the five key questions, each a known label or None (not yet rated)."""
    keys = set(ratings)
    unknown = sorted(repr(key) for key in keys - set(KEY_QUESTIONS))
    missing = [key for key in KEY_QUESTIONS if key not in keys]
    if unknown:
        raise ValueError(f"unknown key question(s): {', '.join(unknown)}")
    if missing:
        raise ValueError(f"missing key question(s): {', '.join(missing)}")
    checked: dict[str, str | None] = {}
    for key in KEY_QUESTIONS:
        value = ratings[key]
        checked[key] = None if value is None else _check_label(value)
    return checked


KEY_QUESTION_NAMES = {
    "safe": "Safe",
    "effective": "Effective",
    "caring": "Caring",
    "responsive": "Responsive",
    "well_led": "Well-led",
}


def _names(keys: Sequence[str]) -> str:
    return ", ".join(KEY_QUESTION_NAMES.get(key, key) for key in keys)


def overall_rating(ratings: Mapping[str, str | None], breach: bool = False) -> OverallResult:
    """Apply CQC's adult social care aggregation principles to five key question ratings.

    Principles, in the order they are tested: two or more Inadequate -> Inadequate; exactly
    one Inadequate -> judgement required (no principle covers it); two or more Requires
    improvement -> Requires improvement; at least two Outstanding and the rest Good ->
    Outstanding; otherwise (no Inadequate, at most one Requires improvement) -> Good. A
    breach of regulations then caps the result at Requires improvement. The result is always
    indicative because inspectors may depart from the principles with recorded reasons.
    """
    checked = _check_ratings(ratings)
    unrated = [key for key, value in checked.items() if value is None]
    breach_reason = (
        "Breach of regulations: overall can be no better than Requires improvement"
        if breach
        else None
    )

    if unrated:
        reasons = [f"Not yet rated: {_names(unrated)}; overall cannot be indicated"]
        if breach_reason:
            reasons.append(breach_reason)
        reasons.append(INDICATIVE_NOTE)
        return OverallResult(None, True, tuple(reasons), False)

    by_label = {label: [key for key in KEY_QUESTIONS if checked[key] == label] for label in LABELS}
    outstanding = by_label[OUTSTANDING]
    requires_improvement = by_label[REQUIRES_IMPROVEMENT]
    inadequate = by_label[INADEQUATE]

    label: str | None
    if len(inadequate) >= 2:
        label = INADEQUATE
        principle = (
            f"Two or more key questions Inadequate ({_names(inadequate)}): normally Inadequate"
        )
    elif len(inadequate) == 1:
        label = None
        principle = (
            f"Exactly one key question Inadequate ({_names(inadequate)}): no published "
            "principle covers this; judgement required"
        )
    elif len(requires_improvement) >= 2:
        label = REQUIRES_IMPROVEMENT
        principle = (
            f"Two or more key questions Requires improvement ({_names(requires_improvement)}): "
            "normally Requires improvement"
        )
    elif len(outstanding) >= 2 and not requires_improvement:
        label = OUTSTANDING
        principle = (
            f"At least two key questions Outstanding ({_names(outstanding)}) and the rest "
            "Good: normally Outstanding"
        )
    else:
        label = GOOD
        detail = (
            f"one Requires improvement ({_names(requires_improvement)})"
            if requires_improvement
            else "no Requires improvement"
        )
        principle = f"No key question Inadequate and {detail}: normally Good"
        if outstanding:
            principle += (
                " (Outstanding needs at least two key questions Outstanding and the rest Good)"
            )

    reasons = [principle]
    capped = False
    if breach_reason:
        reasons.append(breach_reason)
        if label in (OUTSTANDING, GOOD):
            reasons.append(f"{label} capped to Requires improvement by the breach")
            label = REQUIRES_IMPROVEMENT
            capped = True
    reasons.append(INDICATIVE_NOTE)
    return OverallResult(label, label is None, tuple(reasons), capped)


def overall_from_results(
    results: Mapping[str, KeyQuestionResult | None], breach: bool = False
) -> OverallResult:
    """The indicative overall from the five key questions' results (``None``: not scored).

    A key question counts as rated only when it has a band. One without all its statements
    scored, or between two bands, is not rated, and the reasons say which and why before the
    principles' own reasons.
    """
    labels: dict[str, str | None] = {}
    why: list[str] = []
    for key, result in results.items():
        labels[key] = result.label if result is not None else None
        if result is None or result.label is not None:
            continue
        name = KEY_QUESTION_NAMES.get(key, key)
        if result.not_enough_scores:
            why.append(f"{name}: {result.scores_text}, so it is not counted as rated")
        elif result.boundary:
            why.append(f"{name}: between {' and '.join(result.candidates)}, judgement required")
    overall = overall_rating(labels, breach=breach)
    if not why:
        return overall
    return OverallResult(
        overall.label, overall.judgement_required, (*why, *overall.reasons), overall.breach_capped
    )


def would_change_overall(ratings: Mapping[str, str | None], key: str, breach: bool = False) -> bool:
    """Whether moving ``key`` one band up changes the indicative overall.

    A change means a different label or a different ``judgement_required`` flag. Useful to
    show where improvement effort would move the overall. An Outstanding key question cannot
    move up, and an unrated one has no band to move from, so both return False.
    """
    checked = _check_ratings(ratings)
    if key not in KEY_QUESTIONS:
        raise ValueError(f"unknown key question {key!r}")
    current = checked[key]
    if current is None:
        return False
    better = next_band_up(current)
    if better is None:
        return False
    before = overall_rating(checked, breach)
    after = overall_rating({**checked, key: better}, breach)
    return (before.label, before.judgement_required) != (after.label, after.judgement_required)
