"""Demo data: a provider with two locations, a user per role and an outsider elsewhere.

Every write is keyed on a natural key, so running it twice changes nothing.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .models import Location, Membership, Provider, ServiceType, Team
from .roles import Role

DEMO_PASSWORD = "care-demo-2026"  # noqa: S105 - demo accounts only; printed and in the README

User = get_user_model()


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)

    def note(self, obj, created):
        if created:
            self.created.append(f"{type(obj).__name__}: {obj}")


def _user(result, username, first, last):
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    result.note(user, created)
    return user


def _member(result, user, provider, location, role, **extra):
    membership, created = Membership.objects.get_or_create(
        user=user,
        provider=provider,
        location=location,
        role=role,
        ended_at=None,
        defaults=extra,
    )
    result.note(membership, created)
    return membership


@transaction.atomic
def seed(today=None) -> DemoResult:
    today = today or timezone.localdate()
    result = DemoResult()
    provider, created = Provider.objects.get_or_create(
        slug="oakfield-care", defaults={"name": "Oakfield Care Group"}
    )
    result.note(provider, created)
    house, created = Location.objects.get_or_create(
        cqc_location_id="1-1000000001",
        defaults={
            "provider": provider,
            "name": "Oakfield House",
            "service_type": ServiceType.NURSING_HOME,
            "address": "12 Orchard Lane\nLeeds\nLS6 2AB",
        },
    )
    result.note(house, created)
    homecare, created = Location.objects.get_or_create(
        cqc_location_id="1-1000000002",
        defaults={
            "provider": provider,
            "name": "Oakfield Home Care",
            "service_type": ServiceType.HOMECARE,
            "address": "Unit 4, Mill Yard\nLeeds\nLS11 5QT",
        },
    )
    result.note(homecare, created)
    teams = {
        house: [
            ("Rowan unit", "unit"),
            ("Willow unit", "unit"),
            ("Beech unit", "unit"),
            ("Night team", "shift"),
        ],
        homecare: [("North round", "team"), ("South round", "team"), ("Weekend team", "shift")],
    }
    for location, rows in teams.items():
        for name, kind in rows:
            team, created = Team.objects.get_or_create(
                location=location, name=name, archived_at=None, defaults={"kind": kind}
            )
            result.note(team, created)

    people = {
        "quality.lead": ("Priya", "Shah"),
        "registered.manager": ("Marcus", "Bell"),
        "deputy.manager": ("Dana", "Okafor"),
        "team.leader": ("Tom", "Reilly"),
        "operations.manager": ("Olivia", "Grant"),
        "senior.leader": ("Sam", "Hughes"),
        "viewer": ("Vera", "Lindqvist"),
        "homecare.manager": ("Hannah", "Price"),
    }
    users = {name: _user(result, name, *full) for name, full in people.items()}
    for location in (house, homecare):
        _member(result, users["quality.lead"], provider, location, Role.QUALITY_LEAD)
        _member(result, users["operations.manager"], provider, location, Role.OPERATIONS_MANAGER)
    _member(result, users["registered.manager"], provider, house, Role.REGISTERED_MANAGER)
    _member(result, users["deputy.manager"], provider, house, Role.DEPUTY_MANAGER)
    _member(result, users["team.leader"], provider, house, Role.TEAM_LEADER)
    _member(result, users["homecare.manager"], provider, homecare, Role.REGISTERED_MANAGER)
    _member(result, users["senior.leader"], provider, None, Role.SENIOR_LEADER)
    _member(
        result,
        users["viewer"],
        provider,
        None,
        Role.VIEWER,
        expires_on=today + timedelta(days=365),
    )

    other, created = Provider.objects.get_or_create(
        slug="northgate-living", defaults={"name": "Northgate Living"}
    )
    result.note(other, created)
    court, created = Location.objects.get_or_create(
        cqc_location_id="1-2000000001",
        defaults={
            "provider": other,
            "name": "Northgate Court",
            "service_type": ServiceType.SUPPORTED_LIVING,
            "address": "3 Station Road\nYork\nYO1 7AA",
        },
    )
    result.note(court, created)
    team, created = Team.objects.get_or_create(
        location=court, name="Flat cluster A", archived_at=None, defaults={"kind": "team"}
    )
    result.note(team, created)
    outsider = _user(result, "outsider", "Olu", "Adeyemi")
    _member(result, outsider, other, court, Role.REGISTERED_MANAGER)
    return result
