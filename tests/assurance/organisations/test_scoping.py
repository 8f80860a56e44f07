"""Another provider's objects are a 404 everywhere; roles gate what members may manage."""

import pytest
from django.urls import reverse

from assurance.demo import loader as demo
from assurance.organisations.models import Location, Membership, Team
from domains.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    demo.seed()
    return demo


def _login(client, username):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))


def _demo_pages():
    house = Location.objects.get(name="Oakfield House")
    homecare = Location.objects.get(name="Oakfield Home Care")
    urls = [reverse("organisations:provider_detail", args=["oakfield-care"])]
    for location in (house, homecare):
        urls.append(reverse("organisations:location_detail", args=[location.uuid]))
        urls += [reverse("organisations:team_detail", args=[t.uuid]) for t in location.teams.all()]
    return urls


def test_it_hides_every_demo_location_team_and_provider_page_from_an_outsider(client, seeded):
    _login(client, "outsider")
    pages = _demo_pages()
    assert len(pages) > 8
    for url in pages:
        assert client.get(url).status_code == 404, url


def test_it_hides_membership_and_team_actions_from_an_outsider(client, seeded):
    _login(client, "outsider")
    house = Location.objects.get(name="Oakfield House")
    membership = Membership.objects.filter(location=house).first()
    team = house.teams.first()
    posts = [
        reverse("organisations:member_end", args=[membership.uuid]),
        reverse("organisations:team_archive", args=[team.uuid]),
        reverse("organisations:team_add", args=[house.uuid]),
        reverse("organisations:location_member_add", args=[house.uuid]),
        reverse("organisations:provider_member_add", args=["oakfield-care"]),
    ]
    for url in posts:
        assert client.post(url, {"name": "X", "kind": "team"}).status_code == 404, url
    membership.refresh_from_db()
    assert membership.ended_at is None
    assert not Team.objects.filter(name="X").exists()


def test_it_shows_the_member_their_own_location(client, seeded):
    _login(client, "team.leader")
    house = Location.objects.get(name="Oakfield House")
    response = client.get(reverse("organisations:location_detail", args=[house.uuid]))
    assert response.status_code == 200
    assert b"Rowan unit" in response.content
    # but not the other location, where they hold no role
    homecare = Location.objects.get(name="Oakfield Home Care")
    assert (
        client.get(reverse("organisations:location_detail", args=[homecare.uuid])).status_code
        == 404
    )


def test_it_forbids_a_team_leader_to_manage_members(client, seeded):
    _login(client, "team.leader")
    house = Location.objects.get(name="Oakfield House")
    response = client.post(
        reverse("organisations:location_member_add", args=[house.uuid]),
        {"email": "new@example.org", "role": Role.TEAM_LEADER},
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user__email="new@example.org").exists()
    other = Membership.objects.filter(location=house, role=Role.DEPUTY_MANAGER).get()
    assert client.post(reverse("organisations:member_end", args=[other.uuid])).status_code == 403
    assert (
        client.post(reverse("organisations:team_add", args=[house.uuid]), {"name": "Z"}).status_code
        == 403
    )


def test_it_forbids_a_registered_manager_to_manage_another_location(client, seeded):
    _login(client, "registered.manager")
    homecare = Location.objects.get(name="Oakfield Home Care")
    response = client.post(
        reverse("organisations:location_member_add", args=[homecare.uuid]),
        {"email": "new@example.org", "role": Role.TEAM_LEADER},
    )
    assert response.status_code == 404
    member = Membership.objects.filter(location=homecare).first()
    assert client.post(reverse("organisations:member_end", args=[member.uuid])).status_code == 404
    assert not Membership.objects.filter(user__email="new@example.org").exists()


def test_it_lets_a_registered_manager_add_a_member_who_gets_a_welcome_email(
    client, seeded, mailoutbox, django_capture_on_commit_callbacks
):
    _login(client, "registered.manager")
    house = Location.objects.get(name="Oakfield House")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisations:location_member_add", args=[house.uuid]),
            {"email": "New.Carer@example.org", "role": Role.TEAM_LEADER, "first_name": "Nia"},
        )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.carer@example.org")
    assert membership.location == house and membership.role == Role.TEAM_LEADER
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body


def test_it_refuses_a_role_above_the_managers_scope(client, seeded):
    _login(client, "registered.manager")
    house = Location.objects.get(name="Oakfield House")
    response = client.post(
        reverse("organisations:location_member_add", args=[house.uuid]),
        {"email": "boss@example.org", "role": Role.SENIOR_LEADER},
    )
    assert response.status_code == 200
    assert "Choose a role you can grant, from the list" in response.content.decode()
    assert not Membership.objects.filter(user__email="boss@example.org").exists()


def test_it_refuses_a_duplicate_membership_with_a_message(client, seeded):
    _login(client, "registered.manager")
    house = Location.objects.get(name="Oakfield House")
    response = client.post(
        reverse("organisations:location_member_add", args=[house.uuid]),
        {"email": "team.leader@example.org", "role": Role.TEAM_LEADER},
    )
    assert response.status_code == 200
    assert "already holds that role" in response.content.decode()
    assert Membership.objects.filter(user__username="team.leader").count() == 1


def test_it_ends_a_membership_without_deleting_it(client, seeded):
    _login(client, "registered.manager")
    house = Location.objects.get(name="Oakfield House")
    member = Membership.objects.get(location=house, role=Role.TEAM_LEADER)
    assert client.post(reverse("organisations:member_end", args=[member.uuid])).status_code == 302
    member.refresh_from_db()
    assert member.ended_at is not None
    _login(client, "team.leader")
    assert (
        client.get(reverse("organisations:location_detail", args=[house.uuid])).status_code == 404
    )


def test_it_lets_a_senior_leader_manage_every_location(client, seeded):
    _login(client, "senior.leader")
    homecare = Location.objects.get(name="Oakfield Home Care")
    response = client.post(
        reverse("organisations:team_add", args=[homecare.uuid]),
        {"name": "Rapid response", "kind": "team"},
    )
    assert response.status_code == 302
    assert homecare.teams.filter(name="Rapid response").exists()


def test_it_ends_a_viewers_access_after_its_expiry(client, seeded):
    from datetime import timedelta

    from django.utils import timezone

    _login(client, "viewer")
    url = reverse("organisations:provider_detail", args=["oakfield-care"])
    assert client.get(url).status_code == 200
    viewer = Membership.objects.get(user__username="viewer")
    viewer.expires_on = timezone.localdate() - timedelta(days=1)
    viewer.save()
    assert client.get(url).status_code == 404


def test_it_rejects_a_malformed_cqc_location_id():
    from django.core.exceptions import ValidationError

    from tests.factories import LocationFactory

    location = LocationFactory.build(cqc_location_id="RXY-123")
    with pytest.raises(ValidationError) as exc:
        location.full_clean(exclude=["provider"])
    assert "1-" in str(exc.value)
