"""My work: what each role is shown (mywork.py, tested directly), the page and its "See all"
lists, and their query counts with every group populated."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assurance.casework import mywork
from assurance.escalations.models import Escalation, EscalationTrigger
from assurance.judgement.models import ProportionalityJudgement
from assurance.organisations.models import Membership
from assurance.reviews.models import Review, ReviewKind, ReviewStatus
from domains.roles import Role
from evidence.models import EvidenceItem
from tests.builders import add_evidence, complete_step, open_case
from tests.factories import LocationFactory, MembershipFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 10, 14)

# Pinned ceilings for My work and a "See all" list, the same for 1 row and for 50.
MY_WORK_QUERIES = 20  # 4 + for each of 8 groups: first rows (LIMIT) and a count
GROUP_LIST_QUERIES = 6
# The groups `_fill` populates for each persona (a Senior Leader has no step to do here, owns
# no escalation, opened no case and has no quarterly review due).
POPULATED = {
    "registered_manager": [g.slug for g in mywork.GROUPS],
    "senior_leader": ["overdue-reviews", "judgements", "unowned-escalations", "expiring-evidence"],
}


# --- pure rules -------------------------------------------------------------------------------


def _slugs(held):
    return [g.slug for g in mywork.groups_for(held)]


def test_it_collects_roles_at_locations_and_provider_wide():
    held = mywork.held_from(
        7,
        [(10, 1, Role.REGISTERED_MANAGER), (10, 1, Role.QUALITY_LEAD), (None, 1, "senior_leader")],
    )
    assert held.at_locations == {10: {Role.REGISTERED_MANAGER, Role.QUALITY_LEAD}}
    assert held.at_providers == {1: {Role.SENIOR_LEADER}}
    assert held.locations({Role.REGISTERED_MANAGER}) == [10]
    assert held.providers({Role.SENIOR_LEADER}) == [1]
    assert held.roles() == {Role.REGISTERED_MANAGER, Role.QUALITY_LEAD, Role.SENIOR_LEADER}


def test_a_registered_manager_has_every_group():
    held = mywork.held_from(1, [(10, 1, Role.REGISTERED_MANAGER)])
    assert _slugs(held) == [g.slug for g in mywork.GROUPS]


def test_a_senior_leader_has_the_provider_groups():
    held = mywork.held_from(1, [(None, 1, Role.SENIOR_LEADER)])
    assert _slugs(held) == [g.slug for g in mywork.GROUPS]


def test_a_quality_lead_has_steps_escalations_and_cases_only():
    held = mywork.held_from(1, [(10, 1, Role.QUALITY_LEAD)])
    assert _slugs(held) == ["steps", "escalations", "my-cases"]


def test_due_soon_is_the_week_ahead_and_expiry_the_month_ahead():
    assert mywork.due_soon_until(TODAY) == date(2026, 10, 21)
    assert mywork.expiring_until(TODAY) == date(2026, 11, 13)


# --- building the data ------------------------------------------------------------------------


def _case(location, opener, quality_lead, title):
    case = open_case(location=location, actor=opener, title=title)
    complete_step(case, 1, quality_lead)  # step 2 is the Registered Manager's
    return case


def _review(case, due_on, *, status=ReviewStatus.DUE):
    start = due_on.replace(day=1)
    return Review.objects.create(
        kind=ReviewKind.MONTHLY,
        provider=case.location.provider,
        location=case.location,
        case=case,
        period_start=start,
        period_end=start + timedelta(days=27),
        period_label=f"{start:%Y-%m}",
        due_on=due_on,
        status=status,
        **(
            {"skip_reason": "Covered elsewhere."}
            if status in (ReviewStatus.SKIPPED, ReviewStatus.NOT_NEEDED)
            else {}
        ),
    )


def _quarterly(provider, due_on):
    return Review.objects.create(
        kind=ReviewKind.QUARTERLY,
        provider=provider,
        period_start=date(2026, 7, 1),
        period_end=date(2026, 9, 30),
        period_label="2026-Q3",
        due_on=due_on,
    )


def _judgement(case, actor, *, days_ago=10):
    return ProportionalityJudgement.objects.create(
        case=case,
        level="emerging",
        not_yet="Safe: practice still mixed.",
        rationale="Audits improved.",
        recorded_by=actor,
        recorded_at=timezone.now() - timedelta(days=days_ago),
    )


def _escalation(case=None, *, owner=None, provider=None, due_on=None):
    return Escalation.objects.create(
        case=case,
        provider=provider,
        trigger=EscalationTrigger.OVERCLAIM,
        action="Observe practice",
        owner=owner,
        due_on=due_on or timezone.localdate() + timedelta(days=10),
    )


def _fill(rows, location, quality_lead, registered_manager, start=0):
    """`rows` in every group of the Registered Manager's My work (twice as many cases: half
    with an overdue review, half with one due soon)."""
    today = timezone.localdate()
    for i in range(start, start + 2 * rows):
        case = _case(location, registered_manager, quality_lead, f"Case {i}")
        _review(case, today - timedelta(days=3) if i % 2 == 0 else today + timedelta(days=3))
        _judgement(case, registered_manager)
        item = add_evidence(case, quality_lead)  # after the judgement: to confirm
        EvidenceItem.objects.filter(pk=item.pk).update(valid_until=today + timedelta(days=10))
        _escalation(case, owner=registered_manager)
        _escalation(case)


# --- what each group selects ------------------------------------------------------------------


@pytest.fixture
def elsewhere(location, quality_lead):
    """Another location of the same provider, where the Registered Manager holds no role."""
    other = LocationFactory(provider=location.provider, name="Birch Lodge")
    MembershipFactory(
        user=quality_lead, provider=location.provider, location=other, role="quality_lead"
    )
    return other


def test_overdue_reviews_are_the_managers_past_due_monthly_reviews(
    location, elsewhere, quality_lead, registered_manager
):
    today = timezone.localdate()
    mine = _case(location, registered_manager, quality_lead, "Mine")
    overdue = _review(mine, today - timedelta(days=1))
    due_today = _review(_case(location, registered_manager, quality_lead, "Today"), today)
    _review(
        _case(location, registered_manager, quality_lead, "Done"),
        today - timedelta(days=9),
        status=ReviewStatus.SKIPPED,
    )
    _review(_case(elsewhere, quality_lead, quality_lead, "Theirs"), today - timedelta(days=5))
    held = mywork.held_by(registered_manager)
    assert list(mywork.overdue_reviews(held, today)) == [overdue]
    assert list(mywork.reviews_due_soon(held, today)) == [due_today]


def test_reviews_due_soon_stop_a_week_ahead(location, quality_lead, registered_manager):
    today = timezone.localdate()
    week = _review(
        _case(location, registered_manager, quality_lead, "A"), today + timedelta(days=7)
    )
    _review(_case(location, registered_manager, quality_lead, "B"), today + timedelta(days=8))
    held = mywork.held_by(registered_manager)
    assert list(mywork.reviews_due_soon(held, today)) == [week]


def test_a_senior_leader_sees_quarterly_and_every_overdue_monthly_review(
    location, elsewhere, quality_lead, registered_manager, senior_leader
):
    today = timezone.localdate()
    here = _review(
        _case(location, registered_manager, quality_lead, "A"), today - timedelta(days=2)
    )
    there = _review(_case(elsewhere, quality_lead, quality_lead, "B"), today - timedelta(days=20))
    soon_here = _review(
        _case(location, registered_manager, quality_lead, "C"), today + timedelta(days=2)
    )
    quarterly = _quarterly(location.provider, today - timedelta(days=1))
    held = mywork.held_by(senior_leader)
    assert list(mywork.overdue_reviews(held, today)) == [there, here, quarterly]
    assert soon_here not in mywork.reviews_due_soon(held, today)  # the manager's to do


def test_judgements_to_confirm_are_those_whose_evidence_changed(
    location, elsewhere, quality_lead, registered_manager, senior_leader
):
    changed_case = _case(location, registered_manager, quality_lead, "Changed")
    changed = _judgement(changed_case, registered_manager)
    add_evidence(changed_case, quality_lead)
    steady_case = _case(location, registered_manager, quality_lead, "Steady")
    add_evidence(steady_case, quality_lead)
    _judgement(steady_case, registered_manager, days_ago=-1)  # recorded after the evidence
    far_case = _case(elsewhere, quality_lead, quality_lead, "Far")
    far = _judgement(far_case, quality_lead)
    add_evidence(far_case, quality_lead)
    today = timezone.localdate()
    assert list(mywork.judgements_to_confirm(mywork.held_by(registered_manager), today)) == [
        changed
    ]
    assert set(mywork.judgements_to_confirm(mywork.held_by(senior_leader), today)) == {
        changed,
        far,
    }
    assert list(mywork.judgements_to_confirm(mywork.held_by(quality_lead), today)) == []


def test_unowned_escalations_are_in_the_managers_scope(
    location, elsewhere, quality_lead, registered_manager, senior_leader
):
    case = _case(location, registered_manager, quality_lead, "A")
    unowned = _escalation(case)
    _escalation(case, owner=quality_lead)
    far = _escalation(_case(elsewhere, quality_lead, quality_lead, "B"))
    provider_wide = _escalation(provider=location.provider)
    today = timezone.localdate()
    assert list(mywork.escalations_unowned(mywork.held_by(registered_manager), today)) == [unowned]
    assert set(mywork.escalations_unowned(mywork.held_by(senior_leader), today)) == {
        unowned,
        far,
        provider_wide,
    }
    assert list(mywork.escalations_owned(quality_lead, mywork.held_by(quality_lead), today))
    assert "unowned-escalations" not in _slugs(mywork.held_by(quality_lead))


def test_an_escalation_whose_owner_left_counts_as_unowned(
    location, quality_lead, registered_manager, senior_leader
):
    leaver = MembershipFactory(provider=location.provider, location=location, role=Role.TEAM_LEADER)
    case = _case(location, registered_manager, quality_lead, "A")
    left_behind = _escalation(case, owner=leaver.user)
    provider_wide = _escalation(provider=location.provider, owner=leaver.user)
    still_owned = _escalation(case, owner=quality_lead)
    Membership.objects.filter(pk=leaver.pk).update(ended_at=timezone.now())
    today = timezone.localdate()
    assert list(mywork.escalations_unowned(mywork.held_by(registered_manager), today)) == [
        left_behind
    ]
    seen_by_leader = set(mywork.escalations_unowned(mywork.held_by(senior_leader), today))
    assert seen_by_leader == {left_behind, provider_wide}
    assert still_owned not in seen_by_leader


def test_expiring_evidence_is_current_and_within_thirty_days(
    location, quality_lead, registered_manager
):
    today = timezone.localdate()
    case = _case(location, registered_manager, quality_lead, "A")
    items = [add_evidence(case, quality_lead) for _ in range(4)]
    for item, days in zip(items, [0, 30, 31, -1], strict=True):
        EvidenceItem.objects.filter(pk=item.pk).update(valid_until=today + timedelta(days=days))
    withdrawn = add_evidence(case, quality_lead)
    EvidenceItem.objects.filter(pk=withdrawn.pk).update(
        valid_until=today + timedelta(days=3), withdrawn_at=timezone.now(), withdrawn_reason="x"
    )
    held = mywork.held_by(registered_manager)
    assert list(mywork.evidence_expiring(held, today)) == items[:2]


def test_waiting_steps_follow_the_role_at_the_location(
    location, elsewhere, quality_lead, registered_manager
):
    mine = _case(location, registered_manager, quality_lead, "Mine")
    _case(elsewhere, quality_lead, quality_lead, "Theirs")
    steps = list(mywork.waiting_steps(mywork.held_by(registered_manager), timezone.localdate()))
    assert [(s.case_id, s.number) for s in steps] == [(mine.pk, 2)]


# --- the page -----------------------------------------------------------------------------------


def test_my_work_lists_overdue_reviews_instead_of_nothing_waiting(
    client, location, quality_lead, registered_manager
):
    today = timezone.localdate()
    for title in ("A", "B"):
        case = open_case(location=location, actor=quality_lead, title=title)
        _review(case, today - timedelta(days=40))
    client.force_login(registered_manager)
    html = client.get(reverse("casework:my_work")).content.decode()
    assert "Nothing is waiting for you" not in html
    assert "Overdue reviews" in html and html.count("Monthly review") == 2


def test_my_work_lists_judgements_to_confirm_and_unowned_escalations(
    client, location, quality_lead, registered_manager
):
    case = _case(location, registered_manager, quality_lead, "Falls review")
    _judgement(case, registered_manager)
    add_evidence(case, quality_lead)
    _escalation(case)
    client.force_login(registered_manager)
    html = client.get(reverse("casework:my_work")).content.decode()
    assert "Judgements to confirm" in html and "1 item added" in html
    assert "Escalations nobody owns" in html and "Observe practice" in html


def test_the_senior_leader_sees_the_providers_view(
    client, location, quality_lead, registered_manager, senior_leader
):
    _fill(1, location, quality_lead, registered_manager)
    client.force_login(senior_leader)
    html = client.get(reverse("casework:my_work")).content.decode()
    assert "Nothing is waiting for you" not in html
    for heading in (
        "Overdue reviews",
        "Judgements to confirm",
        "Escalations nobody owns",
        "Evidence that stops counting within 30 days",
    ):
        assert heading in html


def test_someone_with_nothing_waiting_is_told_so(client, quality_lead):
    client.force_login(quality_lead)
    assert (
        "Nothing is waiting for you right now."
        in client.get(reverse("casework:my_work")).content.decode()
    )


def test_each_group_shows_five_then_links_to_all_of_them(
    client, location, quality_lead, registered_manager
):
    _fill(4, location, quality_lead, registered_manager)  # 8 cases
    client.force_login(registered_manager)
    html = client.get(reverse("casework:my_work")).content.decode()
    assert "See all 8 judgements to confirm" in html
    assert "See all 8 escalations nobody owns" in html
    assert "See all 4 overdue reviews" not in html  # 4 fit
    listed = client.get(reverse("casework:my_work_group", args=["judgements"]))
    assert listed.content.decode().count("1 item added") == 8


def test_a_group_the_person_does_not_have_is_not_found(client, quality_lead):
    client.force_login(quality_lead)
    assert client.get(reverse("casework:my_work_group", args=["judgements"])).status_code == 404
    assert client.get(reverse("casework:my_work_group", args=["nonsense"])).status_code == 404


def test_a_group_list_pages_and_answers_htmx_with_its_region(
    client, location, quality_lead, registered_manager
):
    _fill(1, location, quality_lead, registered_manager)
    client.force_login(registered_manager)
    url = reverse("casework:my_work_group", args=["escalations"])
    fragment = client.get(url + "?page=7", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="my-work-list")
    html = fragment.content.decode()
    assert html.lstrip().startswith('<div id="my-work-list">') and "<html" not in html
    assert "There is no page 7" in html


# --- query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["registered_manager", "senior_leader"])
def test_my_work_costs_the_same_for_1_and_50_rows_in_every_group(
    request,
    client,
    location,
    quality_lead,
    registered_manager,
    django_assert_max_num_queries,
    persona,
):
    user = request.getfixturevalue(persona)
    _fill(1, location, quality_lead, registered_manager)
    client.force_login(user)
    url = reverse("casework:my_work")
    with django_assert_max_num_queries(MY_WORK_QUERIES):
        client.get(url)
    _fill(24, location, quality_lead, registered_manager, start=2)  # 50 cases
    counts = {
        s.group.slug: s.count
        for s in mywork.summarise(user, mywork.held_by(user), timezone.localdate())
    }
    populated = POPULATED[persona]
    assert all(counts[slug] >= 25 for slug in populated), counts
    with django_assert_max_num_queries(MY_WORK_QUERIES):
        response = client.get(url)
    assert response.status_code == 200


def test_a_see_all_list_costs_the_same_for_1_and_50_rows(
    client, location, quality_lead, registered_manager, django_assert_max_num_queries
):
    _fill(1, location, quality_lead, registered_manager)
    client.force_login(registered_manager)
    slugs = [g.slug for g in mywork.GROUPS]
    for slug in slugs:
        with django_assert_max_num_queries(GROUP_LIST_QUERIES):
            assert client.get(reverse("casework:my_work_group", args=[slug])).status_code == 200
    _fill(25, location, quality_lead, registered_manager, start=2)
    for slug in slugs:
        with django_assert_max_num_queries(GROUP_LIST_QUERIES):
            response = client.get(reverse("casework:my_work_group", args=[slug]))
        assert response.status_code == 200
