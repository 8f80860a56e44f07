"""Issue "Honest figures over time": the holes in the pure readiness rules, one test each,
and the property that a figure about a past moment never moves afterwards."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from assurance.judgement.readiness import (
    SOURCES,
    CaseFacts,
    EvidenceFact,
    IndicatorFact,
    LinkFact,
    TeamFact,
    compute_figures,
    figures_to_dict,
    link_lapses,
)

TODAY = date(2026, 12, 1)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def ev(id=1, source="staff_practice", supports=True, days_ago=5, team=1, **extra):
    return EvidenceFact(
        id=id, source=source, supports=supports, occurred_on=ago(days_ago), team_id=team, **extra
    )


def ind(id=1, name="Ind", frontline=True, readings=(), baseline=0.0, target=10.0):
    return IndicatorFact(
        id=id,
        name=name,
        higher_is_better=True,
        baseline=baseline,
        target=target,
        frontline=frontline,
        readings=tuple(readings),
    )


def case(**kw):
    kw.setdefault("team_ids", frozenset({1}))
    return CaseFacts(today=TODAY, **kw)


# --- hole 2: withdrawn or aged-out evidence no longer evidences a link ----------------------


def test_hole_2_a_link_whose_only_item_is_withdrawn_is_assumed_again():
    facts = case(
        evidence=(ev(id=1, withdrawn=True),),
        links=(LinkFact("Medicines", True, evidence_ids=(1,)),),
    )
    trace = compute_figures(facts).traceability
    assert (trace.evidenced, trace.total) == (0, 1)
    assert trace.lapsed_areas == ("Medicines",)
    assert "assumed again" in trace.message


def test_hole_2_a_link_ages_out_of_the_evidence_window():
    facts = case(evidence=(ev(id=1, days_ago=200),), links=(LinkFact("M", True, (1,)),))
    assert compute_figures(facts).traceability.evidenced == 0
    fresh = case(evidence=(ev(id=1, days_ago=10),), links=(LinkFact("M", True, (1,)),))
    assert compute_figures(fresh).traceability.evidenced == 1


def test_hole_2_the_day_a_link_lapses_and_why_is_worked_out_for_the_timeline():
    withdrawn_at = at(ago(3), 9)
    facts = case(
        evidence=(
            ev(id=1, days_ago=40, withdrawn_at=withdrawn_at),
            ev(id=2, days_ago=20, valid_until=ago(8)),
            ev(id=3, days_ago=120),
            ev(id=4, days_ago=2),
        ),
        links=(
            LinkFact("Withdrawn", True, (1,)),
            LinkFact("Expired", True, (2,)),
            LinkFact("Aged", True, (3,)),
            LinkFact("Still backed", True, (1, 4)),
            LinkFact("Only assumed", False, ()),
        ),
    )
    lapses = {lapse.area: lapse for lapse in link_lapses(facts, 90)}
    assert set(lapses) == {"Withdrawn", "Expired", "Aged"}
    assert (lapses["Withdrawn"].on, lapses["Withdrawn"].at) == (ago(3), withdrawn_at)
    assert "withdrawn" in lapses["Withdrawn"].cause
    assert lapses["Expired"].on == ago(7) and "expired" in lapses["Expired"].cause
    assert lapses["Aged"].on == ago(30) and "older than 90 days" in lapses["Aged"].cause
    # the link lapses when its LAST item stops, not its first
    both = case(
        evidence=(ev(id=1, days_ago=100), ev(id=2, days_ago=60)),
        links=(LinkFact("Two", True, (1, 2)),),
    )
    assert link_lapses(both, 90) == ()
    later = replace(both, today=TODAY + timedelta(days=31))
    assert link_lapses(later, 90)[0].on == ago(-30)


# --- hole 3: an item that contradicts the claim never evidences a link -----------------------


def test_hole_3_a_contradicting_item_does_not_evidence_a_link():
    facts = case(evidence=(ev(id=1, supports=False),), links=(LinkFact("M", True, (1,)),))
    trace = compute_figures(facts).traceability
    assert (trace.evidenced, trace.share) == (0, 0.0)


# --- hole 4: a team whose evidence mostly contradicts does not count for spread --------------


def test_hole_4_contradicting_evidence_outweighs_one_supporting_item():
    evidence = (ev(id=1), *(ev(id=i, supports=False) for i in range(2, 7)))
    spread = compute_figures(case(evidence=evidence)).spread
    assert spread.share == 0.0
    assert spread.teams_with_evidence == 0
    more = case(evidence=(ev(id=1), ev(id=2), ev(id=3, supports=False)))
    assert compute_figures(more).spread.share == 1.0


# --- hole 5: durability stops when readings stop ---------------------------------------------


def test_hole_5_one_old_reading_at_target_holds_nothing_months_later():
    facts = case(indicators=(ind(readings=[(date(2026, 1, 15), 10.0)]),))
    durability = compute_figures(facts).durability
    assert durability.months == 0
    assert "no reading in the last 90 days" in durability.message


def test_hole_5_the_hold_runs_to_the_latest_reading_not_to_today():
    facts = case(indicators=(ind(readings=[(date(2026, 7, 1), 10.0), (date(2026, 10, 1), 11.0)]),))
    assert compute_figures(facts).durability.months == 3


# --- hole 6: progress is clamped, and unread indicators are left out and named ---------------


def test_hole_6_one_overshooting_frontline_indicator_cannot_hide_a_stalled_one():
    facts = case(
        indicators=(
            ind(id=1, frontline=False, readings=[(ago(1), 10.0)]),
            ind(id=2, name="Observed handovers", readings=[(ago(1), 20.0)]),  # 200%
            ind(id=3, name="Checks", readings=[(ago(1), 0.0)]),  # stalled
        )
    )
    gap = compute_figures(facts).gap
    assert gap.value == 0.5
    assert "frontline side is ahead" not in gap.message


def test_hole_6_an_indicator_without_readings_is_left_out_of_the_gap_and_named():
    base = (
        ind(id=1, frontline=False, readings=[(ago(1), 10.0)]),
        ind(id=2, readings=[(ago(1), 2.5)]),
    )
    before = compute_figures(case(indicators=base)).gap
    after = compute_figures(
        case(indicators=(*base, ind(id=3, name="Audit backlog", frontline=False)))
    ).gap
    assert before.value == after.value == 0.75
    assert after.unread == ("Audit backlog",)
    assert "no readings yet: Audit backlog" in after.message


# --- expiry -----------------------------------------------------------------------------------


def test_an_expired_item_no_longer_counts_and_is_counted_as_expired():
    item = ev(id=1, valid_until=ago(1))
    figures = compute_figures(case(evidence=(item,), links=(LinkFact("M", True, (1,)),)))
    assert figures.spread.share == 0.0
    assert figures.corroboration.sources == 0
    assert figures.traceability.evidenced == 0
    assert figures.expired == 1
    still = compute_figures(case(evidence=(ev(id=1, valid_until=TODAY),)))
    assert (still.spread.share, still.expired) == (1.0, 0)


# --- as of: the property ----------------------------------------------------------------------

START = datetime(2026, 1, 1, tzinfo=UTC)
moments = st.integers(min_value=0, max_value=330 * 24).map(lambda h: START + timedelta(hours=h))
event = st.one_of(
    st.tuples(
        st.just("add"),
        moments,
        st.sampled_from(SOURCES),
        st.booleans(),
        st.integers(0, 150),  # occurred this many days before it was recorded
        st.sampled_from([None, 1, 2, 3]),
        st.one_of(st.none(), st.integers(0, 200)),  # valid for this many days after it occurred
    ),
    st.tuples(st.just("withdraw"), moments, st.integers(0, 20)),
    st.tuples(st.just("read"), moments, st.sampled_from([1, 2, 3]), st.floats(0, 15)),
    st.tuples(st.just("link"), moments, st.lists(st.integers(0, 20), max_size=3)),
    st.tuples(st.just("team"), moments, st.sampled_from([2, 3])),
    st.tuples(st.just("archive"), moments, st.sampled_from([1, 2, 3])),
    st.tuples(st.just("indicator"), moments, st.sampled_from([1, 2, 3])),
)


def replay(events, today: date, as_of: datetime) -> CaseFacts:
    """The facts a loader would read after `events` (in time order), with their timestamps."""
    items: dict[int, EvidenceFact] = {}
    readings: dict[int, list] = {1: [], 2: [], 3: []}
    added: dict[int, datetime | None] = {1: None}
    links, teams, archived = [], {1: None}, {}
    for e in sorted(events, key=lambda e: e[1]):
        kind, moment = e[0], e[1]
        if kind == "add":
            _, _, source, supports, before, team, valid = e
            occurred = moment.date() - timedelta(days=before)
            n = len(items)
            items[n] = EvidenceFact(
                id=n,
                source=source,
                supports=supports,
                occurred_on=occurred,
                team_id=team,
                recorded_at=moment,
                valid_until=None if valid is None else occurred + timedelta(days=valid),
            )
        elif kind == "withdraw" and e[2] in items and items[e[2]].withdrawn_at is None:
            items[e[2]] = EvidenceFact(**{**items[e[2]].__dict__, "withdrawn_at": moment})
        elif kind == "read" and e[2] in added:
            readings[e[2]].append((moment.date(), e[3], moment))
        elif kind == "indicator" and e[2] not in added:
            added[e[2]] = moment
        elif kind == "link":
            links.append(LinkFact(f"area {len(links)}", True, tuple(e[2]), added_at=moment))
        elif kind == "team" and e[2] not in teams:
            teams[e[2]] = moment
        elif kind == "archive" and e[2] in teams and e[2] not in archived:
            archived[e[2]] = moment
    return CaseFacts(
        today=today,
        as_of=as_of,
        evidence=tuple(items.values()),
        indicators=tuple(
            IndicatorFact(
                id=i,
                name=f"Indicator {i}",
                higher_is_better=True,
                baseline=0.0,
                target=10.0,
                frontline=i != 1,
                readings=tuple(readings[i]),
                added_at=added[i],
            )
            for i in added
        ),
        links=tuple(links),
        teams=tuple(
            TeamFact(t, f"Team {t}", added_at=when, archived_at=archived.get(t))
            for t, when in teams.items()
        ),
    )


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(event, max_size=25), moments)
def test_figures_as_of_a_moment_never_move_when_the_record_grows_later(events, t):
    today = t.date()
    then = replay([e for e in events if e[1] <= t], today, t)
    later = replay(events, today, t)
    assert figures_to_dict(compute_figures(later)) == figures_to_dict(compute_figures(then))
