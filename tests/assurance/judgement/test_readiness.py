"""Tests for assurance.readiness (pure; no database, no Django)."""

from __future__ import annotations

import calendar
import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assurance.judgement.readiness import (
    LEVELS,
    SOURCES,
    Assessment,
    CaseFacts,
    CorroborationFigure,
    DurabilityFigure,
    EvidenceFact,
    Figures,
    GapFigure,
    IndicatorFact,
    LevelRule,
    LinkFact,
    SpreadFigure,
    Thresholds,
    ThresholdsError,
    TraceabilityFigure,
    assess,
    assessment_to_dict,
    compute_figures,
    exceeds,
    figures_to_dict,
    months_between,
)

TODAY = date(2026, 4, 30)
PROPERTY = settings(max_examples=200, deadline=None, database=None)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def ev(id=1, source="staff_practice", supports=True, days_ago=0, team=1, withdrawn=False):
    return EvidenceFact(
        id=id,
        source=source,
        supports=supports,
        occurred_on=ago(days_ago),
        team_id=team,
        withdrawn=withdrawn,
    )


def ind(name="Ind", higher=True, baseline=0.0, target=10.0, frontline=True, readings=(), id=1):
    return IndicatorFact(
        id=id,
        name=name,
        higher_is_better=higher,
        baseline=baseline,
        target=target,
        frontline=frontline,
        readings=tuple(readings),
    )


def case(teams=(1,), evidence=(), indicators=(), links=(), names=None, today=TODAY):
    return CaseFacts(
        today=today,
        team_ids=frozenset(teams),
        team_names=names or {},
        evidence=tuple(evidence),
        indicators=tuple(indicators),
        links=tuple(links),
    )


def figs(
    share=1.0, months=12, sources=4, frontline=True, trace=1.0, gap=0.0, reason=None
) -> Figures:
    """Hand-built figures, for testing assess() at exact boundaries."""
    return Figures(
        as_of=TODAY,
        window_days=90,
        spread=SpreadFigure(0, 0, share, (), (), ""),
        durability=DurabilityFigure(months, months * 30, "Ind", 1, (), ""),
        corroboration=CorroborationFigure(sources, frontline, (), (), ""),
        traceability=TraceabilityFigure(0, 0, trace, (), ""),
        gap=GapFigure(gap, None, None, reason, (), ""),
        warnings=(),
    )


# ----------------------------------------------------------------------------- spread


@pytest.mark.parametrize(
    ("evidence", "teams", "expected_n", "expected_d"),
    [
        ([ev(days_ago=0)], [1], 1, 1),
        ([ev(days_ago=89)], [1], 1, 1),  # day 90 of the window: in
        ([ev(days_ago=90)], [1], 0, 1),  # day 91: out
        ([ev(days_ago=-1)], [1], 0, 1),  # future: ignored
        ([ev(withdrawn=True)], [1], 0, 1),
        ([ev(supports=False)], [1], 0, 1),
        ([ev(source="audits")], [1], 0, 1),  # not frontline
        ([ev(source="care_records")], [1], 1, 1),
        ([ev(source="feedback")], [1], 1, 1),
        ([ev(team=None)], [1], 0, 1),
        ([ev(team=9)], [1], 0, 1),  # inactive team
        ([ev(team=1), ev(id=2, team=1)], [1, 2], 1, 2),
        ([ev(team=1), ev(id=2, team=2)], [1, 2, 3, 4], 2, 4),
        ([ev(team=1)], [], 0, 0),
    ],
)
def test_it_computes_spread(evidence, teams, expected_n, expected_d):
    spread = compute_figures(case(teams=teams, evidence=evidence)).spread
    assert (spread.teams_with_evidence, spread.active_teams) == (expected_n, expected_d)
    assert spread.share == (expected_n / expected_d if expected_d else 0.0)


def test_it_names_teams_without_spread_evidence_and_reports_message():
    facts = case(
        teams=range(1, 8),
        evidence=[ev(team=1), ev(id=2, team=2), ev(id=3, team=3)],
        names={4: "Oak", 5: "Birch"},
    )
    spread = compute_figures(facts).spread
    assert spread.message == "3 of 7 teams have supporting frontline evidence in the last 90 days"
    assert spread.teams_without_evidence == ("Birch", "Oak", "Team 6", "Team 7")
    assert spread.teams_without_evidence_ids == (5, 4, 6, 7)


def test_it_warns_when_there_are_no_active_teams():
    figures = compute_figures(case(teams=[]))
    assert figures.spread.share == 0.0
    assert "No active teams" in figures.spread.message
    assert any("No active teams" in w for w in figures.warnings)


@pytest.mark.parametrize(("window", "days_ago", "counted"), [(30, 29, 1), (30, 30, 0), (1, 0, 1)])
def test_it_uses_the_configured_window(window, days_ago, counted):
    facts = case(evidence=[ev(days_ago=days_ago)])
    figures = compute_figures(facts, Thresholds(window_days=window))
    assert figures.spread.teams_with_evidence == counted
    assert figures.corroboration.counts[SOURCES.index("staff_practice")].supporting == counted


# ------------------------------------------------------------------------- durability


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 1, 31), date(2026, 2, 28), 1),  # month-end clamp
        (date(2026, 1, 31), date(2026, 2, 27), 0),
        (date(2026, 1, 31), date(2026, 3, 30), 1),
        (date(2026, 1, 31), date(2026, 3, 31), 2),
        (date(2026, 1, 31), date(2026, 4, 30), 3),
        (date(2024, 1, 31), date(2024, 2, 29), 1),  # leap year
        (date(2024, 2, 29), date(2025, 2, 28), 12),
        (date(2026, 1, 15), date(2026, 1, 15), 0),
        (date(2026, 1, 15), date(2026, 2, 14), 0),
        (date(2026, 1, 15), date(2026, 2, 15), 1),
        (date(2025, 11, 30), date(2026, 5, 30), 6),
        (date(2026, 3, 1), date(2026, 1, 1), 0),  # end before start
    ],
)
def test_it_counts_whole_calendar_months(start, end, months):
    assert months_between(start, end) == months


@pytest.mark.parametrize(
    ("indicator", "today", "months", "days", "since"),
    [
        # no readings
        (ind(), TODAY, 0, 0, None),
        # latest short of target
        (ind(readings=[(ago(200), 12.0), (ago(1), 9.0)]), TODAY, 0, 0, None),
        # unbroken run from the first at-target reading up to the latest reading
        (
            ind(
                readings=[
                    (date(2025, 9, 1), 5.0),
                    (date(2025, 10, 1), 10.0),
                    (date(2026, 1, 1), 11.0),
                    (date(2026, 3, 1), 10.0),
                ]
            ),
            TODAY,
            5,
            (date(2026, 3, 1) - date(2025, 10, 1)).days,
            date(2025, 10, 1),
        ),
        # a dip breaks the run; readings given out of order: held since the latest only
        (
            ind(
                readings=[
                    (date(2026, 3, 1), 12.0),
                    (date(2025, 10, 1), 10.0),
                    (date(2026, 1, 1), 9.9),
                ]
            ),
            TODAY,
            0,
            0,
            date(2026, 3, 1),
        ),
        # month-end: Jan 31 -> Feb 28 is one full month
        (
            ind(readings=[(date(2026, 1, 31), 10.0), (date(2026, 2, 28), 10.0)]),
            date(2026, 2, 28),
            1,
            28,
            date(2026, 1, 31),
        ),
        (
            ind(readings=[(date(2026, 1, 31), 10.0), (date(2026, 2, 27), 10.0)]),
            date(2026, 2, 27),
            0,
            27,
            date(2026, 1, 31),
        ),
        # readings after today are ignored (the future dip does not count)
        (
            ind(readings=[(ago(100), 10.0), (ago(10), 10.0), (ago(-5), 1.0)]),
            TODAY,
            months_between(ago(100), ago(10)),
            90,
            ago(100),
        ),
        # lower is better: at or below target holds
        (
            ind(
                higher=False,
                baseline=20.0,
                target=5.0,
                readings=[(ago(120), 6.0), (ago(95), 5.0), (ago(10), 2.0)],
            ),
            TODAY,
            months_between(ago(95), ago(10)),
            85,
            ago(95),
        ),
        (
            ind(higher=False, baseline=20.0, target=5.0, readings=[(ago(10), 5.1)]),
            TODAY,
            0,
            0,
            None,
        ),
        # same-date readings are averaged: (8 + 12) / 2 = 10 is at target
        (ind(readings=[(ago(40), 8.0), (ago(40), 12.0)]), TODAY, 0, 0, ago(40)),
        # (8 + 11) / 2 = 9.5 is short of target
        (ind(readings=[(ago(40), 8.0), (ago(40), 11.0)]), TODAY, 0, 0, None),
        # readings stopped longer ago than the window: nothing is held now
        (ind(readings=[(ago(300), 10.0), (ago(90), 10.0)]), TODAY, 0, 0, None),
    ],
)
def test_it_computes_indicator_durability(indicator, today, months, days, since):
    figure = compute_figures(case(indicators=[indicator], today=today)).durability
    assert (figure.months, figure.days) == (months, days)
    assert figure.indicators[0].since == since
    assert figure.indicators[0].at_target is (since is not None)


def test_it_takes_the_shortest_durability_and_names_the_limiting_indicator():
    long = ind(name="Care plan reviews", id=1, readings=[(ago(300), 10.0), (ago(5), 10.0)])
    short = ind(
        name="Handover audit score", id=2, readings=[(date(2025, 12, 20), 10.0), (ago(5), 10.0)]
    )
    figure = compute_figures(case(indicators=[long, short])).durability
    assert figure.months == 4
    assert figure.limiting_indicator == "Handover audit score"
    assert figure.limiting_indicator_id == 2
    assert figure.message == "Shortest hold at target: 4 months (Handover audit score)"


@pytest.mark.parametrize(
    ("indicators", "fragment"),
    [
        ([], "No indicators are recorded"),
        ([ind(name="Falls")], "0 months (Falls has no readings yet)"),
        ([ind(name="Falls", readings=[(ago(1), 1.0)])], "0 months (Falls is not at target)"),
    ],
)
def test_it_explains_zero_durability(indicators, fragment):
    figure = compute_figures(case(indicators=indicators)).durability
    assert figure.months == 0
    assert fragment in figure.message


# ---------------------------------------------------------------------- corroboration


@pytest.mark.parametrize(
    ("evidence", "sources", "frontline"),
    [
        ([], 0, False),
        ([ev(source="audits")], 1, False),
        ([ev(source="audits"), ev(id=2, source="feedback")], 2, True),
        ([ev(), ev(id=2, supports=False)], 0, False),  # tie does not corroborate
        ([ev(), ev(id=2), ev(id=3, supports=False)], 1, True),
        ([ev(), ev(id=2, supports=False, withdrawn=True)], 1, True),  # withdrawn ignored
        ([ev(), ev(id=2, supports=False, days_ago=90)], 1, True),  # outside window
        ([ev(), ev(id=2, supports=False, days_ago=89)], 0, False),  # inside window
        ([ev(days_ago=-3)], 0, False),  # future ignored
        ([ev(id=i, source=s) for i, s in enumerate(SOURCES)], 4, True),
        ([ev(team=None), ev(id=2, team=99, source="audits")], 2, True),  # any team counts
    ],
)
def test_it_computes_corroboration(evidence, sources, frontline):
    figure = compute_figures(case(evidence=evidence)).corroboration
    assert (figure.sources, figure.frontline) == (sources, frontline)
    assert [c.source for c in figure.counts] == list(SOURCES)


def test_it_lists_every_contradicting_item_and_never_hides_them():
    evidence = [
        ev(id=1, source="audits"),
        ev(id=2, source="audits"),
        ev(id=3, source="audits", supports=False, days_ago=5),
        ev(id=4, source="feedback", supports=False, days_ago=20),
        ev(id=5, source="feedback", supports=False, withdrawn=True),
        ev(id=6, source="feedback", supports=False, days_ago=90),
    ]
    figures = compute_figures(case(evidence=evidence))
    figure = figures.corroboration
    assert [e.id for e in figure.contradicting] == [4, 3]  # oldest first
    audits = figure.counts[SOURCES.index("audits")]
    assert (audits.supporting, audits.contradicting, audits.corroborates) == (2, 1, True)
    assert "2 contradicting items recorded" in figure.message
    assert any("2 contradicting evidence items" in w for w in figures.warnings)


# ----------------------------------------------------------------------- traceability


@pytest.mark.parametrize(
    ("flags", "share", "message"),
    [
        ([], 0.0, "No links are recorded, so traceability is 0%"),
        ([True], 1.0, "1 of 1 link is evidenced (100%)"),
        ([True, True, True, False], 0.75, "3 of 4 links are evidenced (75%)"),
        ([False, False], 0.0, "0 of 2 links are evidenced (0%)"),
    ],
)
def test_it_computes_traceability(flags, share, message):
    links = [LinkFact(area=f"area {i}", evidenced=f) for i, f in enumerate(flags)]
    figures = compute_figures(case(links=links))
    assert figures.traceability.share == share
    assert figures.traceability.message == message
    assert figures.traceability.unevidenced_areas == tuple(
        f"area {i}" for i, f in enumerate(flags) if not f
    )
    assert any("No links" in w for w in figures.warnings) is (not flags)


# -------------------------------------------------------------------------------- gap


@pytest.mark.parametrize(
    ("indicators", "gap"),
    [
        # leadership at 80% progress, frontline at 50%
        (
            [
                ind(frontline=False, readings=[(ago(1), 8.0)]),
                ind(frontline=True, readings=[(ago(1), 5.0)]),
            ],
            0.3,
        ),
        # lower is better: baseline 20 -> target 10, latest 15 is 50% progress
        (
            [
                ind(frontline=False, readings=[(ago(1), 10.0)]),
                ind(
                    frontline=True,
                    higher=False,
                    baseline=20.0,
                    target=10.0,
                    readings=[(ago(1), 15.0)],
                ),
            ],
            0.5,
        ),
        # same-date averaging: (4 + 6) / 2 = 5, and the older reading is not the latest
        (
            [
                ind(frontline=False, readings=[(ago(1), 5.0)]),
                ind(frontline=True, readings=[(ago(1), 4.0), (ago(1), 6.0), (ago(30), 10.0)]),
            ],
            0.0,
        ),
        # target == baseline: 1.0 when at/past target, else 0.0
        (
            [
                ind(frontline=False, baseline=5.0, target=5.0, readings=[(ago(1), 5.0)]),
                ind(frontline=True, baseline=5.0, target=5.0, readings=[(ago(1), 4.0)]),
            ],
            1.0,
        ),
        # frontline ahead gives a negative gap
        (
            [
                ind(frontline=False, readings=[(ago(1), 0.0)]),
                ind(frontline=True, readings=[(ago(1), 10.0)]),
            ],
            -1.0,
        ),
        # means per side
        (
            [
                ind(frontline=False, readings=[(ago(1), 10.0)]),
                ind(frontline=False, readings=[(ago(1), 0.0)]),
                ind(frontline=True, readings=[(ago(1), 2.0)]),
            ],
            0.3,
        ),
        # readings dated after today are ignored
        (
            [
                ind(frontline=False, readings=[(ago(1), 10.0), (ago(-1), 0.0)]),
                ind(frontline=True, readings=[(ago(1), 10.0)]),
            ],
            0.0,
        ),
    ],
)
def test_it_computes_gap(indicators, gap):
    figure = compute_figures(case(indicators=indicators)).gap
    assert figure.value == pytest.approx(gap)
    assert figure.measured


@pytest.mark.parametrize(
    ("indicators", "reason"),
    [
        ([], "no frontline-side or leadership-side indicator"),
        ([ind(frontline=False, readings=[(ago(1), 10.0)])], "no frontline-side indicator"),
        ([ind(frontline=True, readings=[(ago(1), 10.0)])], "no leadership-side indicator"),
    ],
)
def test_it_reports_an_unmeasured_gap_as_a_warning(indicators, reason):
    figures = compute_figures(case(indicators=indicators))
    assert figures.gap.value is None
    assert not figures.gap.measured
    assert figures.gap.message == f"Gap is unmeasured ({reason})"
    assert (
        f"Gap is unmeasured ({reason}), so Significant and Service-wide cannot be supported"
        in figures.warnings
    )


# ---------------------------------------------------------------------------- assess


@pytest.mark.parametrize(
    ("overrides", "level"),
    [
        ({}, "service_wide"),
        ({"share": 0.0, "months": 0, "trace": 0.25, "gap": None, "sources": 2}, "emerging"),
        # spread
        ({"share": 0.8}, "service_wide"),
        ({"share": 0.79}, "significant"),
        ({"share": 0.5}, "significant"),
        ({"share": 0.49}, "emerging"),
        # durability
        ({"months": 6}, "service_wide"),
        ({"months": 5}, "significant"),
        ({"months": 3}, "significant"),
        ({"months": 2}, "emerging"),
        # corroboration
        ({"sources": 4}, "service_wide"),
        ({"sources": 3}, "significant"),
        ({"sources": 2}, "emerging"),
        ({"sources": 1}, "contained"),
        ({"frontline": False}, "contained"),
        # traceability
        ({"trace": 0.75}, "service_wide"),
        ({"trace": 0.74}, "significant"),
        ({"trace": 0.5}, "significant"),
        ({"trace": 0.49}, "emerging"),
        ({"trace": 0.25}, "emerging"),
        ({"trace": 0.24}, "contained"),
        # gap
        ({"gap": 0.10}, "service_wide"),
        ({"gap": 0.11}, "significant"),
        ({"gap": 0.25}, "significant"),
        ({"gap": 0.26}, "emerging"),
        ({"gap": -0.5}, "service_wide"),
        ({"gap": None, "reason": "no frontline-side indicator"}, "emerging"),
    ],
)
def test_it_assesses_each_level_boundary(overrides, level):
    assessment = assess(figs(**overrides))
    assert assessment.level == level
    assert list(assessment.unmet) == list(LEVELS[LEVELS.index(level) + 1 :])
    assert all(assessment.unmet.values())


@pytest.mark.parametrize(
    ("overrides", "level", "message"),
    [
        ({"share": 2 / 7}, "significant", "Spread 29% is below the 50% needed for Significant"),
        ({"share": 0.495}, "significant", "Spread 49.5% is below the 50% needed for Significant"),
        (
            {"months": 2},
            "significant",
            "Durability 2 months is below the 3 months needed for Significant (limited by Ind)",
        ),
        (
            {"sources": 1},
            "emerging",
            "Corroboration from 1 source is below the 2 sources needed for Emerging",
        ),
        (
            {"frontline": False},
            "emerging",
            (
                "No frontline source (care records, feedback or staff practice) corroborates "
                "the claim; Emerging needs frontline corroboration"
            ),
        ),
        ({"trace": 0.4}, "significant", "Traceability 40% is below the 50% needed for Significant"),
        ({"gap": 0.3}, "significant", "Gap 0.30 is above the 0.25 allowed for Significant"),
        ({"gap": 0.1001}, "service_wide", "Gap 0.1001 is above the 0.10 allowed for Service-wide"),
        (
            {"gap": None, "reason": "no frontline-side indicator"},
            "significant",
            (
                "Gap is unmeasured (no frontline-side indicator); "
                "Significant needs a gap of at most 0.25"
            ),
        ),
    ],
)
def test_it_explains_shortfalls_in_plain_english(overrides, level, message):
    assessment = assess(figs(**overrides))
    assert message in [s.message for s in assessment.unmet[level]]


def test_it_marks_higher_levels_as_blocked_by_lower_ones():
    assessment = assess(figs(sources=1))  # only emerging's rule fails on its own... and above
    assert assessment.level == "contained"
    prereqs = {
        lv: [s for s in items if s.figure == "prerequisite"]
        for lv, items in assessment.unmet.items()
    }
    assert prereqs["emerging"] == []
    assert [s.message for s in prereqs["service_wide"]] == [
        "Service-wide also needs Significant to be met first"
    ]
    # A level whose own rule is met is still reported as unmet because of the level below.
    lenient = Thresholds(service_wide=LevelRule())
    blocked = assess(figs(share=0.1), lenient)
    assert blocked.level == "emerging"
    assert [s.figure for s in blocked.unmet["service_wide"]] == ["prerequisite"]


def test_it_treats_a_level_without_requirements_as_met():
    empty = LevelRule()
    thresholds = Thresholds(emerging=empty, significant=empty, service_wide=empty)
    assert assess(figs(share=0, months=0, sources=0, trace=0, gap=None), thresholds).level == (
        "service_wide"
    )


def test_it_passes_a_gap_exactly_at_threshold_despite_float_noise():
    indicators = [
        ind(frontline=False, readings=[(ago(1), 7.0)]),  # progress 0.7
        ind(frontline=True, readings=[(ago(1), 6.0)]),  # progress 0.6
    ]
    figures = compute_figures(case(indicators=indicators))
    assert figures.gap.value != 0.10 and figures.gap.value == pytest.approx(0.10)
    gap_shortfalls = [
        s for items in assess(figures).unmet.values() for s in items if s.figure == "gap"
    ]
    assert gap_shortfalls == []


def test_it_assesses_a_realistic_case_end_to_end():
    teams = [1, 2, 3, 4]
    evidence = [
        ev(id=1, source="staff_practice", team=1, days_ago=10),
        ev(id=2, source="care_records", team=2, days_ago=89),
        ev(id=3, source="audits", team=None),
        ev(id=4, source="feedback", team=3, days_ago=90),  # out of window
        ev(id=5, source="feedback", team=4, withdrawn=True),
    ]
    indicators = [
        ind(
            name="Governance audit",
            frontline=False,
            readings=[(date(2026, 1, 30), 10.0), (TODAY, 10.0)],
        ),
        ind(
            name="Handover quality",
            frontline=True,
            readings=[(date(2026, 1, 30), 8.0), (date(2026, 1, 30), 12.0), (TODAY, 10.0)],
        ),
    ]
    links = [LinkFact("leadership", True), LinkFact("training", False)]
    figures = compute_figures(
        case(teams=teams, evidence=evidence, indicators=indicators, links=links)
    )
    assert figures.spread.share == 0.5
    assert figures.durability.months == 3
    assert figures.corroboration.sources == 3
    assert figures.traceability.share == 0.5
    assert figures.gap.value == 0.0
    assessment = assess(figures)
    assert assessment.level == "significant"
    assert assessment.label == "Significant"
    assert {s.figure for s in assessment.unmet["service_wide"]} == {
        "spread",
        "durability",
        "corroboration",
        "traceability",
    }
    # one more piece of frontline evidence from another team is not enough for service-wide
    more = compute_figures(
        case(
            teams=teams, evidence=[*evidence, ev(id=9, team=3)], indicators=indicators, links=links
        )
    )
    assert more.spread.share == 0.75
    assert assess(more).level == "significant"


@pytest.mark.parametrize(
    ("level", "supportable", "expected"),
    [
        ("contained", "contained", False),
        ("emerging", "contained", True),
        ("significant", "significant", False),
        ("service_wide", "significant", True),
        ("emerging", "service_wide", False),
    ],
)
def test_it_detects_overclaims(level, supportable, expected):
    assert exceeds(level, supportable) is expected


def test_it_rejects_unknown_levels():
    with pytest.raises(ValueError, match="Unknown level 'huge'"):
        exceeds("huge", "contained")


# ------------------------------------------------------------------------ thresholds


def test_it_round_trips_thresholds_through_json():
    t = Thresholds.from_dict({"window_days": 60, "significant": {"spread": 0.6, "max_gap": None}})
    assert t.window_days == 60
    assert t.significant == replace(Thresholds().significant, spread=0.6, max_gap=None)
    assert t.emerging == Thresholds().emerging
    assert Thresholds.from_dict(json.loads(json.dumps(t.to_dict()))) == t
    assert Thresholds.from_dict({}) == Thresholds() == Thresholds.from_dict(None)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"windowdays": 30}, "Unknown threshold key.*windowdays"),
        ({"significant": {"sprad": 0.5}}, r"Unknown key.*thresholds\.significant: sprad"),
        ({"significant": 0.5}, r"thresholds\.significant must be a dict"),
        ({"significant": {"spread": 1.5}}, r"thresholds\.significant\.spread"),
        ({"emerging": {"corroboration": 5}}, r"thresholds\.emerging\.corroboration"),
        ({"emerging": {"corroboration": 2.0}}, r"thresholds\.emerging\.corroboration"),
        ({"emerging": {"frontline_corroboration": "yes"}}, "frontline_corroboration"),
        ({"service_wide": {"durability_months": -1}}, "durability_months"),
        ({"service_wide": {"max_gap": "0.1"}}, "max_gap"),
        ({"window_days": 0}, "window_days"),
        ({"window_days": True}, "window_days"),
        ([], "thresholds must be a dict"),
    ],
)
def test_it_rejects_bad_threshold_dicts_clearly(data, match):
    with pytest.raises(ValueError, match=match) as caught:
        Thresholds.from_dict(data)
    assert isinstance(caught.value, ThresholdsError)


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: ev(source="gossip"), ValueError),
        (lambda: ind(readings=[(ago(1), float("nan"))]), ValueError),
        (lambda: EvidenceFact(1, "audits", True, TODAY, None), None),
    ],
)
def test_it_validates_facts(make, error):
    if error is None:
        make()
    else:
        with pytest.raises(error):
            make()


# ------------------------------------------------------------------------- snapshots


def test_it_snapshots_figures_as_json():
    facts = case(
        teams=[1, 2, 3],
        evidence=[ev(), ev(id=2, supports=False, source="audits", days_ago=3, team=None)],
        indicators=[ind(frontline=False, readings=[(ago(5), 2.0 / 3.0 * 10)])],
        links=[LinkFact("a", True)],
    )
    figures = compute_figures(facts)
    data = json.loads(json.dumps(figures_to_dict(figures)))
    assert data["as_of"] == "2026-04-30"
    assert data["spread"]["share"] == 0.3333
    assert data["gap"]["value"] is None
    assert data["gap"]["indicators"][0]["latest_on"] == ago(5).isoformat()
    assert data["corroboration"]["contradicting"][0]["occurred_on"] == ago(3).isoformat()
    assert data["warnings"] == list(figures.warnings)
    assessment = json.loads(json.dumps(assessment_to_dict(assess(figures))))
    assert assessment["level"] == "contained"
    assert set(assessment["unmet"]) == {"emerging", "significant", "service_wide"}


# -------------------------------------------------------------------------- properties

# Strategies draw one small integer per item and decode it, which keeps generation fast
# (the suite must stay well under three seconds) while still shrinking towards simple
# values: 0 decodes to an in-window, supporting care-records item for team 1, etc.

# Days ago, listed so that small codes mean recent days; the last few are in the future.
EVIDENCE_DAYS = (*range(100), -1, -2)  # the 90-day window, just beyond it, and the future
READING_DAYS = (*range(300), -1, -5)


def decode_evidence(code: int) -> EvidenceFact:
    code, source = divmod(code, len(SOURCES))
    code, supports = divmod(code, 4)  # three in four support
    code, withdrawn = divmod(code, 5)  # one in five is withdrawn
    code, team = divmod(code, 5)  # 0-3: teams 1-4 (active or not); 4: no team
    return EvidenceFact(
        id=code,
        source=SOURCES[source],
        supports=supports < 3,
        occurred_on=ago(EVIDENCE_DAYS[code]),
        team_id=None if team == 4 else team + 1,
        withdrawn=withdrawn == 4,
    )


def decode_indicator(header: int, readings: list[int]) -> IndicatorFact:
    header, lower_is_better = divmod(header, 2)
    header, frontline = divmod(header, 2)
    baseline, target = divmod(header, 11)
    return IndicatorFact(
        id=header,
        name=f"Indicator {header}",
        higher_is_better=not lower_is_better,
        baseline=float(baseline),
        target=float(target),
        frontline=bool(frontline),
        readings=tuple((ago(READING_DAYS[r // 11]), float(r % 11)) for r in readings),
    )


evidence_st = st.integers(0, len(SOURCES) * 4 * 5 * 5 * len(EVIDENCE_DAYS) - 1).map(decode_evidence)
indicator_st = st.builds(
    decode_indicator,
    st.integers(0, 2 * 2 * 11 * 11 - 1),
    st.lists(st.integers(0, 11 * len(READING_DAYS) - 1), max_size=4),
)
case_st = st.builds(
    lambda teams, evidence, indicators, links: case(
        teams=teams,
        evidence=evidence,
        indicators=indicators,
        links=[LinkFact(f"area {i}", flag) for i, flag in enumerate(links)],
    ),
    st.frozensets(st.integers(1, 4), min_size=1, max_size=4),
    st.lists(evidence_st, max_size=10),
    st.lists(indicator_st, max_size=3),
    st.lists(st.booleans(), max_size=4),
)
LENIENT = Thresholds(
    window_days=120,
    emerging=LevelRule(corroboration=1, frontline_corroboration=True),
    significant=LevelRule(spread=0.25, corroboration=2, traceability=0.25),
    service_wide=LevelRule(spread=0.5, durability_months=1, corroboration=3, max_gap=0.5),
)
EVIDENCE_ONLY = Thresholds(  # levels that turn on evidence alone, so they move often
    emerging=LevelRule(corroboration=1, frontline_corroboration=True),
    significant=LevelRule(spread=0.5, corroboration=2),
    service_wide=LevelRule(spread=0.75, corroboration=3),
)
thresholds_st = st.sampled_from([Thresholds(), LENIENT, EVIDENCE_ONLY])


def level_of(facts: CaseFacts, thresholds: Thresholds) -> int:
    return LEVELS.index(assess(compute_figures(facts, thresholds), thresholds).level)


@PROPERTY
@given(case_st, evidence_st, thresholds_st)
def test_it_never_lowers_the_level_when_supporting_evidence_is_added(facts, item, thresholds):
    more = replace(facts, evidence=(*facts.evidence, replace(item, supports=True)))
    assert level_of(more, thresholds) >= level_of(facts, thresholds)


@PROPERTY
@given(case_st, evidence_st, thresholds_st)
def test_it_never_raises_the_level_when_contradicting_evidence_is_added(facts, item, thresholds):
    more = replace(facts, evidence=(*facts.evidence, replace(item, supports=False)))
    assert level_of(more, thresholds) <= level_of(facts, thresholds)


@PROPERTY
@given(case_st, evidence_st, thresholds_st)
def test_it_keeps_assessments_consistent_and_ignores_withdrawn_evidence(facts, item, thresholds):
    figures = compute_figures(facts, thresholds)
    assessment: Assessment = assess(figures, thresholds)
    index = LEVELS.index(assessment.level)
    assert list(assessment.unmet) == list(LEVELS[index + 1 :])
    assert all(assessment.unmet.values())
    for lv in LEVELS[1 : index + 1]:  # each level up to the supportable one passes on its own
        only = replace(thresholds, **{o: LevelRule() for o in LEVELS[1:] if o != lv})
        assert assess(figures, only).level == "service_wide"
    assert 0.0 <= figures.spread.share <= 1.0
    assert 0 <= figures.corroboration.sources <= 4
    assert len(figures.corroboration.contradicting) == sum(
        c.contradicting for c in figures.corroboration.counts
    )
    json.dumps(figures_to_dict(figures))
    json.dumps(assessment_to_dict(assessment))
    withdrawn = replace(facts, evidence=(*facts.evidence, replace(item, withdrawn=True)))
    assert compute_figures(withdrawn, thresholds) == figures


@PROPERTY
@given(st.dates(date(2000, 1, 1), date(2040, 12, 31)), st.integers(0, 400))
def test_it_counts_months_without_passing_the_end(start, days):
    end = start + timedelta(days=days)
    n = months_between(start, end)

    def plus(k: int) -> date:
        y, m = divmod(start.month - 1 + k, 12)
        last = calendar.monthrange(start.year + y, m + 1)[1]
        return date(start.year + y, m + 1, min(start.day, last))

    assert plus(n) <= end < plus(n + 1)
