"""Each readiness figure in plain words, with its numbers (pure; no database)."""

from datetime import date, timedelta

from assurance.judgement import words
from assurance.judgement.readiness import (
    CaseFacts,
    EvidenceFact,
    IndicatorFact,
    LinkFact,
    compute_figures,
)

TODAY = date(2026, 10, 30)


def _reading(days_ago, value):
    return (TODAY - timedelta(days=days_ago), value)


def _indicator(id, name, frontline, readings, baseline=0.0, target=100.0):
    return IndicatorFact(
        id=id,
        name=name,
        higher_is_better=True,
        baseline=baseline,
        target=target,
        frontline=frontline,
        readings=tuple(readings),
    )


def _ev(id, source, supports=True, team=1, days_ago=5):
    return EvidenceFact(
        id=id,
        source=source,
        supports=supports,
        occurred_on=TODAY - timedelta(days=days_ago),
        team_id=team,
    )


def _figures(**facts):
    defaults = {"today": TODAY, "team_ids": frozenset({1, 2}), "team_names": {1: "Day", 2: "Night"}}
    return compute_figures(CaseFacts(**{**defaults, **facts}))


def test_the_gap_says_how_far_the_front_line_has_moved_compared_with_leadership():
    figures = _figures(
        indicators=(
            _indicator(1, "Audit completion", False, [_reading(3, 100)]),
            _indicator(2, "Handover quality", True, [_reading(3, 66)]),
        )
    )
    assert words.explain(figures).gap == (
        "Frontline indicators have moved about two-thirds as far as leadership ones: "
        "66% against 100% of the way to target (gap 0.34)."
    )


def test_the_gap_in_other_proportions_and_when_it_cannot_be_measured():
    def gap(lead, front):
        return words.explain(
            _figures(
                indicators=(
                    _indicator(1, "Lead", False, [_reading(3, lead)]),
                    _indicator(2, "Front", True, [_reading(3, front)]),
                )
            )
        ).gap

    assert gap(80, 40).startswith("Frontline indicators have moved about half as far as")
    assert gap(80, 76).startswith("Frontline indicators have moved nearly as far as")
    assert gap(50, 70).startswith("Frontline indicators have moved as far as leadership ones or")
    assert gap(80, 2).startswith("Frontline indicators have hardly moved, while leadership")
    assert gap(0, 0).startswith("Neither leadership nor frontline indicators have moved")
    only_lead = words.explain(
        _figures(
            indicators=(
                _indicator(1, "Lead", False, [_reading(3, 50)]),
                _indicator(2, "Front", True, []),
            )
        )
    ).gap
    assert only_lead == (
        "Leadership and frontline progress cannot be compared yet: no frontline indicator "
        "has readings yet; left out until they have readings: Front."
    )


def test_durability_says_how_many_months_in_a_row_at_target():
    held = _figures(
        indicators=(
            _indicator(1, "Audit", False, [_reading(d, 100) for d in (100, 70, 40, 10)]),
            _indicator(2, "Handover", True, [_reading(d, 100) for d in (80, 50, 5)]),
        )
    )
    text = words.explain(held).durability
    assert text.startswith("Every indicator has held at target for 2 months in a row or longer")
    assert "the shortest run is Handover, at target since 11 August 2026" in text
    three = _figures(
        indicators=(_indicator(1, "Audit", False, [_reading(d, 100) for d in (95, 60, 3)]),)
    )
    assert "held at target for 3 months in a row" in words.explain(three).durability
    missed = _figures(indicators=(_indicator(1, "Audit", False, [_reading(3, 40)]),))
    assert words.explain(missed).durability == (
        "The change has not held at target yet: Audit is not at its target (0 months)."
    )
    unread = _figures(indicators=(_indicator(1, "Audit", False, []),))
    assert "Audit has no readings yet (0 months)" in words.explain(unread).durability
    assert words.explain(_figures()).durability.startswith("No indicators are recorded yet")


def test_spread_corroboration_and_traceability_say_their_numbers():
    figures = _figures(
        evidence=(
            _ev(1, "staff_practice", team=1),
            _ev(2, "audits", team=1),
            _ev(3, "feedback", supports=False, team=2),
        ),
        links=(
            LinkFact(area="Medicines", evidenced=True, evidence_ids=(1,)),
            LinkFact(area="Falls", evidenced=False),
        ),
    )
    said = words.explain(figures)
    assert said.spread == (
        "1 of 2 teams has supporting frontline evidence from the last 90 days "
        "(spread 50%); not yet: Night."
    )
    assert said.corroboration == (
        "2 of the 4 kinds of evidence back the claim in the last 90 days: audits and "
        "staff practice; 1 item points the other way."
    )
    assert said.traceability == (
        "1 of the 2 wider areas the claim reaches is backed by evidence (50%); "
        "still assumed: Falls."
    )
    empty = words.explain(_figures(team_ids=frozenset(), team_names={}))
    assert empty.spread.startswith("No teams are recorded yet")
    assert empty.corroboration == (
        "No kind of evidence backs the claim in the last 90 days yet; nothing recorded "
        "points the other way."
    )
    assert empty.traceability.startswith("No wider areas are linked to the claim yet")
