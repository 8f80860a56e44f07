"""Switching a location, or a whole provider, to another loaded framework: who may, what is
refused, and that earlier self-assessments stay where they were."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assurance.organisations.frameworks import framework_for, switches
from assurance.organisations.models import FrameworkAssignment
from assurance.rating import picture as rating_picture
from domains.models import Framework
from tests.builders import load_fictional_framework, record_self_judgement, switch_framework
from tests.factories import LocationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fictional(db):
    return load_fictional_framework()


def _form(chosen, **extra):
    return {
        "framework": chosen.pk,
        "effective_on": timezone.localdate().isoformat(),
        "reason": "We are piloting the new framework this quarter.",
        **extra,
    }


def test_a_location_without_a_switch_is_assessed_against_the_current_framework(location):
    assert framework_for(location) == Framework.objects.current()
    assert switches(location) == []


def test_the_newest_switch_in_effect_on_a_date_is_the_framework_then(
    location, senior_leader, fictional
):
    saf = Framework.objects.current()
    today = timezone.localdate()
    switch_framework(location, fictional, senior_leader, effective_on=today - timedelta(days=10))
    switch_framework(location, saf, senior_leader, effective_on=today + timedelta(days=30))
    assert framework_for(location) == fictional
    later = timezone.now() + timedelta(days=31)
    assert framework_for(location, later) == saf
    assert [s.framework for s in switches(location)] == [saf, fictional]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("outsider", 404),
        ("registered_manager", 403),
        ("quality_lead", 403),
        ("viewer", 403),
        ("senior_leader", 302),
    ],
)
def test_the_permission_matrix_for_switching_a_location(
    request, client, location, fictional, persona, status
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    url = reverse("rating:location_framework", args=[location.uuid])
    response = client.post(url, _form(fictional))
    assert response.status_code == status
    assert FrameworkAssignment.objects.count() == (1 if status == 302 else 0)


def test_anonymous_switching_goes_to_sign_in(client, location, fictional):
    url = reverse("rating:location_framework", args=[location.uuid])
    response = client.post(url, _form(fictional))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not FrameworkAssignment.objects.exists()


def test_a_senior_leader_switches_a_location_with_a_clear_message(
    client, location, senior_leader, fictional
):
    client.force_login(senior_leader)
    url = reverse("rating:location_framework", args=[location.uuid])
    response = client.post(url, _form(fictional), follow=True)
    page = response.content.decode()
    assert f"{location.name} is assessed against {fictional.name} from" in page
    row = FrameworkAssignment.objects.get()
    assert (row.location, row.framework, row.recorded_by) == (location, fictional, senior_leader)
    assert row.reason == "We are piloting the new framework this quarter."
    assert "We are piloting the new framework" in page  # the history lists the switch


def test_members_see_the_framework_but_only_senior_leaders_get_the_form(
    client, location, registered_manager, senior_leader
):
    url = reverse("rating:location_framework", args=[location.uuid])
    client.force_login(registered_manager)
    page = client.get(url).content.decode()
    assert "is assessed against" in page and "Switch framework" not in page
    client.force_login(senior_leader)
    assert "Switch framework" in client.get(url).content.decode()


def test_a_switch_needs_a_framework_and_a_reason_and_keeps_what_was_typed(
    client, location, senior_leader, fictional
):
    client.force_login(senior_leader)
    url = reverse("rating:location_framework", args=[location.uuid])
    response = client.post(url, _form(fictional, framework="", reason="Short"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose a framework." in page
    assert "Short" in page
    response = client.post(url, _form(fictional, effective_on="not a date"))
    assert response.status_code == 200 and "Enter a valid date." in response.content.decode()
    assert not FrameworkAssignment.objects.exists()


def test_switching_to_the_framework_already_in_effect_is_refused_by_name(
    client, location, senior_leader
):
    client.force_login(senior_leader)
    url = reverse("rating:location_framework", args=[location.uuid])
    saf = Framework.objects.current()
    response = client.post(url, _form(saf))
    assert response.status_code == 200
    assert f"{location.name} is already assessed against {saf.name}" in response.content.decode()
    assert not FrameworkAssignment.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("outsider", 404), ("registered_manager", 403), ("viewer", 403), ("senior_leader", 302)],
)
def test_the_permission_matrix_for_switching_a_whole_provider(
    request, client, provider, location, fictional, persona, status
):
    """A Registered Manager or a location viewer holds no provider-wide role (403)."""
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.post(
        reverse("rating:provider_framework", args=[provider.slug]), _form(fictional)
    )
    assert response.status_code == status


def test_a_provider_wide_viewer_may_look_but_not_switch(client, provider, location, fictional):
    from tests.factories import MembershipFactory

    viewer = UserFactory(username="pv")
    MembershipFactory(user=viewer, provider=provider, location=None, role="viewer")
    client.force_login(viewer)
    url = reverse("rating:provider_framework", args=[provider.slug])
    assert client.get(url).status_code == 403
    assert client.post(url, _form(fictional)).status_code == 403
    assert not FrameworkAssignment.objects.exists()


def test_a_senior_leader_switches_every_active_location_of_the_provider(
    client, provider, location, senior_leader, fictional
):
    second = LocationFactory(provider=provider, name="Birch Lodge")
    LocationFactory(provider=provider, name="Closed Court", is_active=False)
    client.force_login(senior_leader)
    url = reverse("rating:provider_framework", args=[provider.slug])
    page = client.post(url, _form(fictional), follow=True).content.decode()
    assert f"All 2 active locations of {provider.name} are assessed against" in page
    assert {r.location for r in FrameworkAssignment.objects.all()} == {location, second}
    assert framework_for(second) == fictional


def test_the_admin_switches_a_location_or_the_whole_provider(client, provider, location, fictional):
    second = LocationFactory(provider=provider, name="Birch Lodge")
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    client.force_login(admin)
    url = reverse("admin:assurance_frameworkassignment_add")
    data = {
        "location": location.pk,
        "framework": fictional.pk,
        "effective_on": timezone.localdate().isoformat(),
        "reason": "Pilot agreed with the board.",
    }
    assert client.post(url, {**data, "reason": "no"}).status_code == 200  # too short
    assert not FrameworkAssignment.objects.exists()
    assert client.post(url, data).status_code == 302
    assert framework_for(location) == fictional and framework_for(second) != fictional
    page = client.post(url, data).content.decode()
    assert f"{location.name} is already assessed against {fictional.name}" in page
    # the whole provider: the location already on it is left as it is
    assert client.post(url, {**data, "whole_provider": "on"}).status_code == 302
    assert framework_for(second) == fictional
    rows = FrameworkAssignment.objects.filter(recorded_by=admin)
    assert sorted(r.location.name for r in rows) == sorted([location.name, second.name])


def test_switching_keeps_earlier_self_assessments_under_their_framework(
    location, senior_leader, registered_manager, fictional
):
    other = load_fictional_framework(slug="fictional-test-2027", name="Fictional test framework 2")
    switch_framework(location, fictional, senior_leader, effective_on=date(2026, 1, 1))
    first = record_self_judgement(location, registered_manager, "safe", "Good")
    switch_framework(location, other, senior_leader)
    picture = rating_picture.build(location)
    assert picture.framework == other
    assert all(row.self_judgement is None for row in picture.rows)
    assert picture.earlier_judgements == [first]
    assert first.key_question.framework == fictional  # unchanged, under its own framework
    page_then = rating_picture.build(location, as_of=first.recorded_at)
    assert page_then.framework == fictional
    assert page_then.rows[0].self_judgement == first
