"""Finding one's way round the case page: contents with counts, the five steps as progress
in words, sections folded away and remembered per person, the same-person note."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from assurance.casework import navigation
from assurance.casework.models import CasePagePreference
from assurance.organisations.models import Membership
from domains.roles import Role
from tests.builders import add_evidence, complete_step, open_case

# --- pure -----------------------------------------------------------------------------------

STEPS = [
    (1, "Quality Lead", "Impact file", True),
    (2, "Registered Manager", "Influence note", True),
    (3, "Deputy Manager", "Validation sheet", False),
    (4, "Team Leader", "Implementation log", False),
    (5, "Registered Manager", "Assurance summary", False),
]


def test_it_words_each_step_as_completed_in_progress_or_not_started():
    texts = [p.text for p in navigation.progress(STEPS, current_step=3, active=True)]
    assert texts == [
        "Step 1 of 5: Quality Lead — completed",
        "Step 2 of 5: Registered Manager — completed",
        "Step 3 of 5: Deputy Manager — in progress",
        "Step 4 of 5: Team Leader — not started",
        "Step 5 of 5: Registered Manager — not started",
    ]


def test_nothing_is_in_progress_on_a_closed_case():
    states = [p.state for p in navigation.progress(STEPS, current_step=3, active=False)]
    assert states == ["completed", "completed", "not started", "not started", "not started"]


def test_it_opens_every_section_unless_folded_and_reveals_what_was_just_saved():
    assert all(navigation.open_sections(None).values())
    opened = navigation.open_sections(["evidence", "timeline", "bogus"])
    assert not opened["evidence"] and not opened["timeline"] and opened["steps"]
    assert navigation.open_sections(["steps"], reveal="step-3")["steps"]
    assert navigation.open_sections(["evidence"], reveal="evidence-1234")["evidence"]
    assert all(navigation.open_sections(["evidence", "steps"], all_open=True).values())


def test_it_keeps_only_known_sections_once_in_page_order():
    assert navigation.clean_closed(["timeline", "x", "summary", "timeline"]) == [
        "summary",
        "timeline",
    ]


# --- the page ---------------------------------------------------------------------------


@pytest.fixture
def case(db, location, team, quality_lead, registered_manager):
    case = open_case(location=location, actor=quality_lead)
    add_evidence(case, quality_lead, team=team)
    add_evidence(case, quality_lead, team=team, stance="contradicts", source="feedback")
    complete_step(case, 1, quality_lead)
    return case


def _page(client, case):
    return client.get(reverse("casework:case_detail", args=[case.uuid])).content.decode()


def test_it_shows_contents_with_counts_and_the_steps_as_progress(client, case, registered_manager):
    client.force_login(registered_manager)
    html = _page(client, case)
    contents = html[
        html.index('class="case-contents"') : html.index("</nav>", html.index("case-contents"))
    ]
    for anchor in ("summary", "steps", "evidence", "links", "escalations", "timeline", "step-5"):
        assert f'href="#{anchor}"' in contents, anchor
        assert f'id="{anchor}"' in html, anchor
    assert "(2 items, 2 current)" in contents
    assert "(1 of 5 completed)" in contents
    assert "Step 1 of 5: Quality Lead — completed" in html
    assert re.search(
        r'aria-current="step"><a href="#step-2">.*Step 2 of 5: Registered Manager — in progress',
        html,
    )
    assert html.count('class="case-section"') == 8
    assert html.count('class="case-section" data-section') == 8
    assert len(re.findall(r'data-section="\w+" open>', html)) == 8  # all open by default


def test_it_remembers_the_sections_a_person_folds_away(
    client, case, registered_manager, quality_lead
):
    client.force_login(registered_manager)
    url = reverse("casework:case_sections")
    response = client.post(url, {"closed": ["evidence", "timeline", "nonsense"]})
    assert response.status_code == 204
    assert CasePagePreference.objects.get(user=registered_manager).closed_sections == [
        "evidence",
        "timeline",
    ]
    html = _page(client, case)
    assert 'data-section="evidence">' in html and 'data-section="timeline">' in html
    assert 'data-section="steps" open>' in html
    # Only their own: another person still sees every section open.
    client.force_login(quality_lead)
    assert len(re.findall(r'data-section="\w+" open>', _page(client, case))) == 8
    client.force_login(registered_manager)
    client.post(url, {})
    assert len(re.findall(r'data-section="\w+" open>', _page(client, case))) == 8


def test_saving_sections_needs_a_login_a_post_and_the_csrf_token(case, registered_manager):
    url = reverse("casework:case_sections")
    anonymous = Client()
    assert anonymous.post(url, {"closed": "evidence"}).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(registered_manager)
    assert strict.get(url).status_code == 405
    assert strict.post(url, {"closed": "evidence"}).status_code == 403
    assert not CasePagePreference.objects.exists()


def test_the_case_page_says_when_one_person_completed_two_steps(
    client, location, quality_lead, registered_manager
):
    registered_manager.first_name, registered_manager.last_name = "Jo", "Bloggs"
    registered_manager.save()
    Membership.objects.create(
        user=registered_manager,
        provider=location.provider,
        location=location,
        role=Role.QUALITY_LEAD,
    )
    case = open_case(location=location, actor=quality_lead)
    complete_step(case, 1, registered_manager)
    client.force_login(quality_lead)
    assert "Steps 1 and 2 were both completed" not in _page(client, case)
    complete_step(case, 2, registered_manager)
    assert "Steps 1 and 2 were both completed by Jo Bloggs." in _page(client, case)


def test_it_shows_the_latest_changes_and_every_one_on_request(
    client, case, registered_manager, quality_lead, team, monkeypatch
):
    from assurance.casework import views

    monkeypatch.setattr(views, "TIMELINE_SHOWN", 3)
    client.force_login(registered_manager)
    url = reverse("casework:case_detail", args=[case.uuid])
    response = client.get(url)
    count = response.context["timeline_count"]
    assert count > 3 and len(response.context["timeline"]) == 3
    assert f"Show all {count} changes" in response.content.decode()
    everything = client.get(url, {"history": "all"})
    assert len(everything.context["timeline"]) == count
