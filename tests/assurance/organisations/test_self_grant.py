"""Separation of duties: nobody grants themselves a role; another manager must."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from assurance.demo import loader as demo
from assurance.organisations.models import Location, Membership
from assurance.organisations.permissions import SELF_GRANT_REFUSED, is_self_grant
from domains.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    demo.seed()
    return demo


def _user(username):
    return get_user_model().objects.get(username=username)


def test_it_names_a_grant_to_oneself():
    assert is_self_grant(actor_id=7, grantee_id=7)
    assert not is_self_grant(actor_id=7, grantee_id=8)
    assert not is_self_grant(actor_id=7, grantee_id=None)


def test_it_refuses_a_registered_manager_granting_themselves_a_role(client, seeded):
    manager = _user("registered.manager")
    client.force_login(manager)
    house = Location.objects.get(name="Oakfield House")
    before = Membership.objects.filter(user=manager).count()
    response = client.post(
        reverse("organisations:location_member_add", args=[house.uuid]),
        {"email": manager.email.upper(), "role": Role.QUALITY_LEAD},
    )
    assert response.status_code == 200
    assert "You cannot give yourself a role" in response.content.decode()
    assert Membership.objects.filter(user=manager).count() == before
    assert SELF_GRANT_REFUSED.startswith("You cannot give yourself a role")


def test_it_refuses_a_senior_leader_granting_themselves_a_role(client, seeded):
    leader = _user("senior.leader")
    client.force_login(leader)
    before = Membership.objects.filter(user=leader).count()
    response = client.post(
        reverse("organisations:provider_member_add", args=["oakfield-care"]),
        {"email": leader.email, "role": Role.VIEWER},
    )
    assert response.status_code == 200
    assert "You cannot give yourself a role" in response.content.decode()
    assert Membership.objects.filter(user=leader).count() == before


def test_it_lets_another_registered_manager_grant_the_role(client, seeded):
    manager = _user("registered.manager")
    other = _user("team.leader")
    client.force_login(manager)
    house = Location.objects.get(name="Oakfield House")
    response = client.post(
        reverse("organisations:location_member_add", args=[house.uuid]),
        {"email": other.email, "role": Role.QUALITY_LEAD},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=other, role=Role.QUALITY_LEAD, location=house).exists()
