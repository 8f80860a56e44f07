"""Role personas at one location of one provider, and an outsider at another provider."""

import pytest

from domains.roles import Role
from tests.factories import LocationFactory, MembershipFactory, TeamFactory, UserFactory


@pytest.fixture
def location(db):
    return LocationFactory(name="Elm House")


@pytest.fixture
def provider(location):
    return location.provider


@pytest.fixture
def team(location):
    return TeamFactory(location=location, name="Day team")


def _persona(username, location, role, provider_wide=False):
    user = UserFactory(username=username)
    MembershipFactory(
        user=user,
        provider=location.provider,
        location=None if provider_wide else location,
        role=role,
    )
    return user


@pytest.fixture
def quality_lead(location):
    return _persona("ql", location, Role.QUALITY_LEAD)


@pytest.fixture
def registered_manager(location):
    return _persona("rm", location, Role.REGISTERED_MANAGER)


@pytest.fixture
def deputy_manager(location):
    return _persona("dm", location, Role.DEPUTY_MANAGER)


@pytest.fixture
def team_leader(location):
    return _persona("tl", location, Role.TEAM_LEADER)


@pytest.fixture
def operations_manager(location):
    return _persona("om", location, Role.OPERATIONS_MANAGER)


@pytest.fixture
def senior_leader(location):
    return _persona("sl", location, Role.SENIOR_LEADER, provider_wide=True)


@pytest.fixture
def viewer(location):
    return _persona("viewer", location, Role.VIEWER)


@pytest.fixture
def other_location(db):
    return LocationFactory(name="Far Away Court")


@pytest.fixture
def outsider(other_location):
    """A Registered Manager at another provider."""
    return _persona("outsider", other_location, Role.REGISTERED_MANAGER)
