"""Tests for domains.rating: pure Python, no Django needed (run with -p no:django)."""

from __future__ import annotations

import dataclasses

import pytest

from domains.rating import (
    GOOD,
    INADEQUATE,
    INDICATIVE_NOTE,
    KEY_QUESTION_NAMES,
    KEY_QUESTIONS,
    LABELS,
    OUTSTANDING,
    REQUIRES_IMPROVEMENT,
    SAF_2024_BANDS,
    Band,
    KeyQuestionResult,
    key_question_result,
    next_band_down,
    next_band_up,
    overall_rating,
    would_change_overall,
)

O, G, R, I = OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, INADEQUATE  # noqa: E741


def kq(*labels: str | None) -> dict[str, str | None]:
    """Ratings keyed by key question, in KEY_QUESTIONS order."""
    return dict(zip(KEY_QUESTIONS, labels, strict=True))


# --- reference data -------------------------------------------------------------------------


def test_it_publishes_the_saf_2024_bands_lowest_first() -> None:
    bands = SAF_2024_BANDS
    assert bands == (Band(I, 25, 38), Band(R, 39, 62), Band(G, 63, 87), Band(O, 88, 100))


def test_it_lists_labels_best_first_and_the_five_key_questions() -> None:
    assert LABELS == ("Outstanding", "Good", "Requires improvement", "Inadequate")
    assert KEY_QUESTIONS == ("safe", "effective", "caring", "responsive", "well_led")


def test_it_uses_frozen_results() -> None:
    result = key_question_result([3])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.label = O  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        overall_rating(kq(G, G, G, G, G)).label = O  # type: ignore[misc]


# --- key question percentages and bands -----------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "percentage", "label"),
    [
        ([1], 25.0, I),
        ([2] * 13 + [1] * 12, 38.0, I),
        ([2] * 14 + [1] * 11, 39.0, R),
        ([3] * 12 + [2] * 13, 62.0, R),
        ([3] * 13 + [2] * 12, 63.0, G),
        ([4] * 12 + [3] * 13, 87.0, G),
        ([4] * 13 + [3] * 12, 88.0, O),
        ([4], 100.0, O),
        ([2] * 5, 50.0, R),
        ([3] * 5, 75.0, G),
        ([1] * 8, 25.0, I),
        ([4] * 8, 100.0, O),
    ],
    ids=["25", "38", "39", "62", "63", "87", "88", "100", "50", "75", "all-1", "all-4"],
)
def test_it_puts_every_band_edge_in_its_band(
    scores: list[int], percentage: float, label: str
) -> None:
    result = key_question_result(scores)
    assert result.percentage == percentage
    assert result.label == label
    assert result.boundary is False
    assert result.candidates == ()
    assert any(f"falls in {label}" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("scores", "candidates"),
    [
        ([3] * 3 + [2] * 3, (R, G)),
        ([3] * 4 + [2] * 4, (R, G)),
        ([4] * 3 + [3] * 3, (G, O)),
        ([4] * 4 + [3] * 4, (G, O)),
    ],
    ids=["62.5-six", "62.5-eight", "87.5-six", "87.5-eight"],
)
def test_it_reports_a_boundary_between_bands_without_deciding(
    scores: list[int], candidates: tuple[str, str]
) -> None:
    result = key_question_result(scores)
    assert result.label is None
    assert result.boundary is True
    assert result.candidates == candidates
    assert result.percentage in (62.5, 87.5)
    assert any("judgement required" in reason for reason in result.reasons)


def test_it_explains_the_62_5_boundary_in_plain_english() -> None:
    result = key_question_result([3, 3, 3, 2, 2, 2])
    assert (
        "62.5% falls between Requires improvement (39-62%) and Good (63-87%): judgement required"
        in result.reasons
    )


def test_it_explains_the_87_5_boundary_in_plain_english() -> None:
    result = key_question_result([4, 4, 4, 4, 3, 3, 3, 3])
    assert (
        "87.5% falls between Good (63-87%) and Outstanding (88-100%): judgement required"
        in result.reasons
    )


def test_it_reports_a_boundary_between_inadequate_and_requires_improvement() -> None:
    result = key_question_result([2] * 7 + [1] * 6)  # 20 of 52 = 38.46%
    assert 38 < result.percentage < 39  # type: ignore[operator]
    assert (result.label, result.boundary, result.candidates) == (None, True, (I, R))


@pytest.mark.parametrize("scores", [[2] * 3 + [1] * 3, [2] * 4 + [1] * 4], ids=["six", "eight"])
def test_it_rates_37_5_inadequate_because_it_is_inside_the_band(scores: list[int]) -> None:
    result = key_question_result(scores)
    assert result.percentage == 37.5
    assert (result.label, result.boundary, result.candidates) == (I, False, ())


def test_it_keeps_the_exact_percentage_unrounded() -> None:
    assert key_question_result([3, 3, 2]).percentage == pytest.approx(800 / 12)


def test_it_returns_nothing_scored_yet_for_no_scores() -> None:
    assert key_question_result([]) == KeyQuestionResult(
        percentage=None,
        label=None,
        boundary=False,
        candidates=(),
        reasons=("No quality statements scored yet",),
    )


@pytest.mark.parametrize(
    "scores",
    [[0], [5], [-1], [3, 3, 9], [3.0], ["3"], [True], [None], "34", [3, 2.5]],
    ids=["0", "5", "-1", "9-later", "float", "str-item", "bool", "none", "string", "half"],
)
def test_it_rejects_invalid_scores(scores: object) -> None:
    with pytest.raises(ValueError, match="1"):
        key_question_result(scores)  # type: ignore[arg-type]


def test_it_names_the_bad_score_in_the_error() -> None:
    with pytest.raises(ValueError, match=r"score 2 is 5: .*between 1 and 4"):
        key_question_result([3, 5])


@pytest.mark.parametrize(
    "bands",
    [
        (),
        (Band(G, 60, 50),),
        (Band(R, 25, 70), Band(G, 60, 100)),
        (Band(G, 60, 100), Band(R, 25, 59)),
    ],
    ids=["empty", "inverted", "overlapping", "descending"],
)
def test_it_rejects_malformed_bands(bands: tuple[Band, ...]) -> None:
    with pytest.raises(ValueError, match="band"):
        key_question_result([3], bands)


def test_it_refuses_a_percentage_outside_every_custom_band() -> None:
    with pytest.raises(ValueError, match="outside every band"):
        key_question_result([1], (Band(G, 50, 100),))


# --- opt-in score limiters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "label"),
    [
        ([4] * 7 + [1], O),  # 90.6%
        ([4] * 7 + [2], O),  # 93.75%
        ([3] * 4 + [1], G),  # 65%
    ],
)
def test_it_leaves_limiters_off_by_default(scores: list[int], label: str) -> None:
    result = key_question_result(scores)
    assert result.label == label
    assert not any("Limiter" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("scores", "label"),
    [
        ([4] * 7 + [1], R),
        ([3] * 4 + [1], R),
        ([4] * 7 + [2], G),
    ],
    ids=["1-caps-outstanding", "1-caps-good", "2-prevents-outstanding"],
)
def test_it_applies_limiters_when_asked_and_says_so(scores: list[int], label: str) -> None:
    result = key_question_result(scores, limiters=True)
    assert result.label == label
    assert result.boundary is False
    assert any("Limiter applied (unconfirmed in CQC text)" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("scores", "label"),
    [([4] * 8, O), ([3] * 5, G), ([2] * 5, R), ([2] * 4 + [1] * 4, I), ([3, 3, 3, 3, 2], G)],
    ids=["all-4", "all-3", "all-2-ri", "inadequate", "2-within-good"],
)
def test_it_says_nothing_about_limiters_that_do_not_lower_the_label(
    scores: list[int], label: str
) -> None:
    result = key_question_result(scores, limiters=True)
    assert result.label == label
    assert not any("Limiter" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("scores", "label"),
    [
        ([4] * 6 + [2] * 2, G),  # 87.5%, a 2 rules out Outstanding
        ([4] * 6 + [3, 1], R),  # 87.5%, a 1 rules out both candidates
        ([4, 4, 3, 3, 2, 2, 1, 1], R),  # 62.5%, a 1 rules out Good
    ],
)
def test_it_lets_a_limiter_resolve_a_boundary(scores: list[int], label: str) -> None:
    assert key_question_result(scores).boundary is True
    result = key_question_result(scores, limiters=True)
    assert (result.label, result.boundary, result.candidates) == (label, False, ())
    assert f"Boundary resolved to {label} by the limiter" in result.reasons


def test_it_keeps_a_boundary_the_limiter_does_not_touch() -> None:
    result = key_question_result([3] * 4 + [2] * 4, limiters=True)  # 62.5%, cap is Good
    assert (result.label, result.boundary, result.candidates) == (None, True, (R, G))
    assert not any("Limiter" in reason for reason in result.reasons)


def test_it_needs_named_bands_for_limiters() -> None:
    bands = (Band("Low", 25, 60), Band("High", 61, 100))
    assert key_question_result([3], bands).label == "High"
    with pytest.raises(ValueError, match="limiters need"):
        key_question_result([3], bands, limiters=True)


# --- overall aggregation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "expected", "principle"),
    [
        ((O, O, G, G, G), O, "At least two key questions Outstanding"),
        ((O, O, O, O, O), O, "At least two key questions Outstanding"),
        ((G, G, O, G, O), O, "At least two key questions Outstanding (Caring, Well-led)"),
        ((O, G, G, G, G), G, "Outstanding needs at least two"),
        ((O, O, R, G, G), G, "one Requires improvement (Caring)"),
        ((G, G, G, G, G), G, "No key question Inadequate and no Requires improvement"),
        ((R, G, G, G, G), G, "No key question Inadequate and one Requires improvement"),
        ((R, R, G, G, G), R, "Two or more key questions Requires improvement (Safe, Effective)"),
        ((R, R, R, R, R), R, "Two or more key questions Requires improvement"),
        ((O, O, O, R, R), R, "Two or more key questions Requires improvement"),
        ((I, I, G, G, G), I, "Two or more key questions Inadequate (Safe, Effective)"),
        ((I, I, I, I, I), I, "Two or more key questions Inadequate"),
        ((I, I, R, R, O), I, "Two or more key questions Inadequate"),
    ],
)
def test_it_applies_each_aggregation_principle(
    labels: tuple[str, ...], expected: str, principle: str
) -> None:
    result = overall_rating(kq(*labels))
    assert result.label == expected
    assert result.judgement_required is False
    assert result.breach_capped is False
    assert any(principle in reason for reason in result.reasons)
    assert result.reasons[-1] == INDICATIVE_NOTE


@pytest.mark.parametrize(
    "labels",
    [(I, G, G, G, G), (O, O, O, O, I), (R, R, R, I, R), (G, I, O, R, G)],
)
def test_it_requires_judgement_for_exactly_one_inadequate(labels: tuple[str, ...]) -> None:
    result = overall_rating(kq(*labels))
    assert (result.label, result.judgement_required, result.breach_capped) == (None, True, False)
    inadequate = KEY_QUESTION_NAMES[KEY_QUESTIONS[labels.index(I)]]
    assert any(
        f"Exactly one key question Inadequate ({inadequate})" in reason
        and "judgement required" in reason
        for reason in result.reasons
    )


@pytest.mark.parametrize(
    ("labels", "expected", "capped"),
    [
        ((O, O, G, G, G), R, True),
        ((G, G, G, G, G), R, True),
        ((R, G, G, G, G), R, True),
        ((R, R, G, G, G), R, False),
        ((I, I, G, G, G), I, False),
        ((I, I, I, I, I), I, False),
    ],
)
def test_it_caps_at_requires_improvement_for_a_breach(
    labels: tuple[str, ...], expected: str, capped: bool
) -> None:
    result = overall_rating(kq(*labels), breach=True)
    assert (result.label, result.breach_capped, result.judgement_required) == (
        expected,
        capped,
        False,
    )
    assert any("Breach of regulations" in reason for reason in result.reasons)
    assert any("capped to Requires improvement" in reason for reason in result.reasons) is capped


def test_it_still_requires_judgement_for_one_inadequate_with_a_breach() -> None:
    result = overall_rating(kq(I, G, G, G, G), breach=True)
    assert (result.label, result.judgement_required, result.breach_capped) == (None, True, False)
    assert any("Breach of regulations" in reason for reason in result.reasons)


def test_it_does_not_cap_without_a_breach() -> None:
    result = overall_rating(kq(O, O, G, G, G))
    assert not any("Breach" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("labels", "named"),
    [
        ((None, G, G, G, G), "Safe"),
        ((G, G, G, G, None), "Well-led"),
        ((O, None, I, None, G), "Effective, Responsive"),
        ((None, None, None, None, None), "Safe, Effective, Caring, Responsive, Well-led"),
    ],
)
def test_it_requires_judgement_while_a_key_question_is_unrated(
    labels: tuple[str | None, ...], named: str
) -> None:
    result = overall_rating(kq(*labels), breach=True)
    assert (result.label, result.judgement_required, result.breach_capped) == (None, True, False)
    assert f"Not yet rated: {named}; overall cannot be indicated" in result.reasons


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        ({"safe": G, "effective": G, "caring": G, "responsive": G}, "missing key question"),
        (
            {"safe": G, "effective": G, "caring": G, "responsive": G, "well_led": G, "x": G},
            "unknown key question",
        ),
        ({"safe": G, "effective": G, "caring": G, "responsive": G, "well-led": G}, "unknown"),
        (kq(G, G, G, G, "good"), "unknown rating label"),
        (kq(G, G, G, G, "Excellent"), "unknown rating label"),
        (kq(G, G, G, G, 3), "unknown rating label"),  # type: ignore[arg-type]
        ({}, "missing key question"),
    ],
)
def test_it_rejects_invalid_overall_input(ratings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        overall_rating(ratings)  # type: ignore[arg-type]


# --- moving one band ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "up", "down"),
    [(O, None, G), (G, O, R), (R, G, I), (I, R, None)],
)
def test_it_moves_one_band_up_and_down(label: str, up: str | None, down: str | None) -> None:
    assert next_band_up(label) == up
    assert next_band_down(label) == down


@pytest.mark.parametrize("label", ["good", "", "Excellent", None, 3])
def test_it_rejects_unknown_labels_when_moving_bands(label: object) -> None:
    with pytest.raises(ValueError, match="unknown rating label"):
        next_band_up(label)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown rating label"):
        next_band_down(label)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("labels", "key", "breach", "changes"),
    [
        ((G, G, G, G, G), "safe", False, False),  # one Outstanding is still Good
        ((O, G, G, G, G), "effective", False, True),  # second Outstanding -> Outstanding
        ((O, G, G, G, G), "safe", False, False),  # already Outstanding: cannot move up
        ((R, R, G, G, G), "safe", False, True),  # down to one RI -> Good
        ((R, R, R, G, G), "safe", False, False),  # still two RI
        ((I, G, G, G, G), "safe", False, True),  # judgement required -> Good
        ((I, I, G, G, G), "safe", False, True),  # Inadequate -> judgement required
        ((I, I, I, G, G), "safe", False, False),  # still two Inadequate
        ((O, G, G, G, G), "effective", True, False),  # Outstanding is capped by the breach
        ((R, R, G, G, G), "safe", True, False),  # Good is capped back to RI
        ((I, G, G, G, G), "safe", True, True),  # judgement required -> capped RI
        ((None, G, G, G, G), "safe", False, False),  # unrated: no band to move from
        ((None, R, R, G, G), "effective", False, False),  # overall stays unindicated
    ],
)
def test_it_says_whether_moving_a_key_question_up_changes_the_overall(
    labels: tuple[str | None, ...], key: str, breach: bool, changes: bool
) -> None:
    assert would_change_overall(kq(*labels), key, breach) is changes


def test_it_rejects_an_unknown_key_for_would_change_overall() -> None:
    with pytest.raises(ValueError, match="unknown key question"):
        would_change_overall(kq(G, G, G, G, G), "well-led")


# --- partial scoring (issue 10, hole 7) -----------------------------------------------------


def test_it_gives_no_band_or_percentage_while_statements_are_unscored() -> None:
    """Hole 7: 1 of Safe's 8 statements scored 4 gave "Outstanding 100%"."""
    result = key_question_result([4], statements=8)
    assert (result.percentage, result.label, result.boundary) == (None, None, False)
    assert result.not_enough_scores
    assert (result.scored, result.statements) == (1, 8)
    assert result.reasons[0].startswith("not enough scores (1 of 8)")
    assert not any("%" in reason for reason in result.reasons)


def test_it_bands_a_key_question_once_every_statement_is_scored() -> None:
    result = key_question_result([4] * 8, statements=8)
    assert (result.percentage, result.label) == (100.0, O)
    assert not result.not_enough_scores
    assert (result.scored, result.statements) == (8, 8)


def test_it_says_nothing_is_scored_when_no_statement_is() -> None:
    result = key_question_result([], statements=8)
    assert (result.percentage, result.label, result.not_enough_scores) == (None, None, True)
    assert result.scored == 0


@pytest.mark.parametrize("statements", [0, -1, 2, True, 1.5])
def test_it_rejects_a_statement_count_below_the_scores_given(statements: object) -> None:
    with pytest.raises(ValueError, match="statements"):
        key_question_result([3, 3, 3], statements=statements)  # type: ignore[arg-type]


def test_it_does_not_count_a_partly_scored_key_question_in_the_overall() -> None:
    from domains.rating import overall_from_results

    full = key_question_result([4] * 8, statements=8)
    results = dict.fromkeys(KEY_QUESTIONS, full)
    results["safe"] = key_question_result([4], statements=8)
    overall = overall_from_results(results)
    assert (overall.label, overall.judgement_required) == (None, True)
    assert "Safe: not enough scores (1 of 8), so it is not counted as rated" in overall.reasons
    assert "Not yet rated: Safe; overall cannot be indicated" in overall.reasons
    everything = overall_from_results(dict.fromkeys(KEY_QUESTIONS, full), breach=True)
    assert everything.label == R and everything.breach_capped
