"""The rating picture under an in-the-round framework (the fictional test framework only):
self-judgements, characteristics side by side, "no judgement yet", the cases that may move
each key question, the indicative overall where the file names a rule, flat queries; the
self-judgement form and who may use it; step 5 under the location's framework."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assurance.cases import services as cases_services
from assurance.cases.models import StepRecord
from assurance.judgement import services as judgement_services
from assurance.judgement.forms import JudgementForm
from assurance.rating import picture as rating_picture
from assurance.rating.models import SelfJudgement
from domains.models import KeyQuestion
from evidence import services as evidence_services
from evidence.models import LinkStatus
from tests.builders import (
    add_evidence,
    complete_step,
    load_fictional_framework,
    open_case,
    record_self_judgement,
    switch_framework,
)

pytestmark = pytest.mark.django_db

PICTURE_QUERIES = 28  # the page under an in-the-round framework, whatever the number of cases
GOOD_TS1 = "Fictional test text: what good looks like for TS1."
OUTSTANDING_TS1 = "Fictional test text: what outstanding looks like for TS1."


@pytest.fixture
def fictional(location, senior_leader):
    framework = load_fictional_framework()
    switch_framework(location, framework, senior_leader)
    return framework


def _kq(framework, slug):
    return KeyQuestion.objects.get(framework=framework, slug=slug)


def judged_case(location, quality_lead, registered_manager, team, title, kq, *, rich=True):
    """A case at step 5 with evidence, an indicator reading and a link, judged as naming `kq`."""
    case = open_case(location=location, actor=quality_lead, title=title)
    item = add_evidence(case, quality_lead, source="staff_practice", team=team)
    if rich:
        indicator = cases_services.indicator_add(
            actor=quality_lead,
            actor_roles={"quality_lead"},
            case=case,
            name="Audit",
            unit="%",
            side="frontline",
            higher_is_better=True,
            baseline=40,
            target=90,
        )
        cases_services.reading_add(
            actor=quality_lead,
            actor_roles={"quality_lead"},
            indicator=indicator,
            taken_on=timezone.localdate(),
            value=70,
            team=team,
        )
        complete_step(case, 1, quality_lead)
        evidence_services.link_save(
            actor=registered_manager,
            actor_roles={"registered_manager"},
            case=case,
            area=case.wider_areas[0],
            status=LinkStatus.EVIDENCED,
            evidence=[item],
        )
    StepRecord.objects.filter(case=case, number__lt=5).update(
        completed_at=timezone.now(), completed_by=quality_lead
    )
    case.current_step = 5
    case.save()
    judgement_services.judgement_record(
        actor=registered_manager,
        actor_roles={"registered_manager"},
        case=case,
        version=1,
        level="contained",
        key_questions=[kq],
        not_yet="Not yet across nights.",
        rationale="Audits improved.",
        escalate=False,
    )
    return case, item


def _page(client, location):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("rating:location_rating", args=[location.uuid]))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_picture_shows_judgements_characteristics_no_judgement_yet_and_cases(
    client, location, team, quality_lead, registered_manager, senior_leader
):
    # Judged under SAF 2024 before the switch, naming Well-led: carries across by slug.
    before, _ = judged_case(
        location,
        quality_lead,
        registered_manager,
        team,
        "Before the switch",
        KeyQuestion.objects.get(framework__slug="saf-2024", slug="well_led"),
    )
    framework = load_fictional_framework()
    switch_framework(location, framework, senior_leader)
    after, item = judged_case(
        location, quality_lead, registered_manager, team, "After the switch", _kq(framework, "safe")
    )
    record_self_judgement(
        location,
        registered_manager,
        "safe",
        "Good",
        rationale="Against TS1: the good characteristics hold on every unit we checked.",
        cases=[after],
        evidence=[item],
    )
    picture = rating_picture.build(location)
    assert picture.in_the_round and picture.framework == framework
    rows = {row.key_question.slug: row for row in picture.rows}
    safe = rows["safe"]
    assert safe.self_judgement.rating == "Good" and safe.next_rating == "Outstanding"
    ts1 = safe.characteristics[0]
    assert (ts1.item.code, ts1.at_rating, ts1.next_up) == ("TS1", GOOD_TS1, OUTSTANDING_TS1)
    assert [move.case for move, _ in safe.cases] == [after]
    (move, items) = safe.cases[0]
    assert move.supports and [(i.code, i.from_codes) for i in items] == [("TS1", ("S1",))]
    assert [move.case for move, _ in rows["well_led"].cases] == [before]
    assert rows["effective"].self_judgement is None and rows["effective"].cases == []
    assert picture.overall is None

    client.force_login(registered_manager)
    _, page = _page(client, location)
    assert "Our own indicative view" in page and "Published CQC rating" in page
    assert "Against TS1: the good characteristics hold" in page
    assert GOOD_TS1 in page and OUTSTANDING_TS1 in page
    assert "Good (judged)" in page and "Outstanding (next rating up)" in page
    assert "No judgement yet</strong> for Effective" in page
    assert "After the switch" in page and "Before the switch" in page
    assert "Touches TS1 (from S1)" in page
    assert "this framework gives no aggregation rule" in page.lower()
    assert "Your score for a quality statement" not in page  # no scores in the round


def test_the_picture_query_count_does_not_grow_with_cases(
    client,
    location,
    team,
    quality_lead,
    registered_manager,
    fictional,
    django_assert_max_num_queries,
):
    safe = _kq(fictional, "safe")
    first, item = judged_case(location, quality_lead, registered_manager, team, "Case 0", safe)
    record_self_judgement(
        location, registered_manager, "safe", "Good", cases=[first], evidence=[item]
    )
    client.force_login(registered_manager)
    with django_assert_max_num_queries(PICTURE_QUERIES):
        one, page = _page(client, location)
    assert "Case 0" in page
    for i in range(1, 8):
        case, item = judged_case(
            location, quality_lead, registered_manager, team, f"Case {i}", safe
        )
        record_self_judgement(
            location, registered_manager, "safe", "Good", cases=[case], evidence=[item]
        )
    with django_assert_max_num_queries(PICTURE_QUERIES):
        many, page = _page(client, location)
    assert many == one
    assert "Case 7" in page


def test_a_framework_naming_an_aggregation_rule_gives_an_indicative_overall(
    client, location, registered_manager, senior_leader
):
    framework = load_fictional_framework(
        slug="fictional-test-agg", aggregation_rule="saf-2024-principles"
    )
    switch_framework(location, framework, senior_leader)
    for slug in ("safe", "effective", "caring", "responsive"):
        record_self_judgement(location, registered_manager, slug, "Good")
    picture = rating_picture.build(location)
    assert picture.overall.label is None  # Well-led not judged yet
    record_self_judgement(location, registered_manager, "well_led", "Outstanding")
    picture = rating_picture.build(location)
    assert picture.overall.label == "Good" and not picture.aggregation_note
    client.force_login(registered_manager)
    assert "Indicative overall: Good" in _page(client, location)[1]


def _self_form(framework, **extra):
    return {
        "form": "self",
        "key_question": _kq(framework, "caring").pk,
        "rating": "Good",
        "rationale": "Against TC1: kind, consistent care seen on every visit.",
        "judged_on": timezone.localdate().isoformat(),
        **extra,
    }


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("outsider", 404),
        ("senior_leader", 403),
        ("quality_lead", 403),
        ("deputy_manager", 403),
        ("viewer", 403),
        ("registered_manager", 302),
    ],
)
def test_the_permission_matrix_for_recording_a_self_judgement(
    request, client, location, fictional, persona, status
):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("rating:location_rating_update", args=[location.uuid])
    assert client.post(url, _self_form(fictional)).status_code == status
    assert SelfJudgement.objects.count() == (1 if status == 302 else 0)


def test_anonymous_recording_goes_to_sign_in(client, location, fictional):
    url = reverse("rating:location_rating_update", args=[location.uuid])
    response = client.post(url, _self_form(fictional))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_self_judgement_form_preselects_no_rating_and_says_choose_a_rating(
    client, location, registered_manager, fictional
):
    client.force_login(registered_manager)
    page = client.get(reverse("rating:location_rating", args=[location.uuid])).content.decode()
    assert '<option value="" selected>Choose a rating</option>' in page
    url = reverse("rating:location_rating_update", args=[location.uuid])
    response = client.post(url, _self_form(fictional, rating=""))
    page = response.content.decode()
    assert response.status_code == 200 and "Choose a rating." in page
    assert "kind, consistent care seen on every visit" in page  # what was typed is kept
    assert not SelfJudgement.objects.exists()
    response = client.post(url, _self_form(fictional), follow=True)
    assert "Self-judgement recorded: Caring Good." in response.content.decode()


def test_a_self_judgement_cannot_cite_another_locations_case(
    client, location, other_location, registered_manager, fictional
):
    from tests.factories import UserFactory

    stranger = UserFactory(username="other-ql")
    from tests.factories import MembershipFactory

    MembershipFactory(user=stranger, location=other_location, role="quality_lead")
    foreign = open_case(location=other_location, actor=stranger)
    client.force_login(registered_manager)
    url = reverse("rating:location_rating_update", args=[location.uuid])
    response = client.post(url, _self_form(fictional, cases=[foreign.pk]))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not SelfJudgement.objects.exists()


def test_step_five_offers_the_key_questions_of_the_locations_framework(
    location, team, quality_lead, registered_manager, fictional
):
    case, _ = judged_case(
        location, quality_lead, registered_manager, team, "C", _kq(fictional, "safe"), rich=False
    )
    step = StepRecord.objects.get(case=case, number=5)
    form = JudgementForm(case=case, step=step)
    offered = list(form.fields["key_questions"].queryset)
    assert len(offered) == 5 and {kq.framework for kq in offered} == {fictional}


def test_the_picture_as_of_a_moment_lists_the_cases_and_judgements_of_that_moment(
    location, team, quality_lead, registered_manager, senior_leader
):
    from datetime import UTC, datetime

    import time_machine

    with time_machine.travel(datetime(2026, 9, 10, 12, tzinfo=UTC)):
        framework = load_fictional_framework()
        switch_framework(location, framework, senior_leader)
        case, _ = judged_case(
            location,
            quality_lead,
            registered_manager,
            team,
            "Closed later",
            _kq(framework, "safe"),
            rich=False,
        )
        record_self_judgement(location, registered_manager, "safe", "Good")
    q3_end = datetime(2026, 9, 30, 23, 0, tzinfo=UTC)
    cases_services.case_set_status(
        actor=registered_manager,
        actor_roles={"registered_manager"},
        case=case,
        new_status="closed",
        reason="Improvement embedded and evidenced.",
    )
    record_self_judgement(location, registered_manager, "safe", "Requires improvement")
    now = rating_picture.build(location)
    assert now.rows[0].cases == [] and now.rows[0].self_judgement.rating == "Requires improvement"
    then = rating_picture.build(location, as_of=q3_end)
    assert [move.case for move, _ in then.rows[0].cases] == [case]
    assert then.rows[0].self_judgement.rating == "Good"
    assert [j.rating for j in then.earlier_judgements] == []
    assert [j.rating for j in now.earlier_judgements] == ["Good"]


def test_a_rationale_over_the_limit_is_refused_with_a_clear_message_and_kept(
    client, location, registered_manager, fictional
):
    from assurance.rating.models import RATIONALE_MAX_LENGTH

    client.force_login(registered_manager)
    url = reverse("rating:location_rating_update", args=[location.uuid])
    long = "kind, consistent care " * (RATIONALE_MAX_LENGTH // 20)
    response = client.post(url, _self_form(fictional, rationale=long))
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Keep the rationale to {RATIONALE_MAX_LENGTH:,} characters or fewer" in page
    assert "kind, consistent care kind, consistent care" in page  # what was typed is kept
    assert not SelfJudgement.objects.exists()
