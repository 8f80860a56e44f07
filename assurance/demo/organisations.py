"""Providers, locations, teams, people and their roles, from `data/organisations.json`.

Every write is keyed on a natural key, so running it twice changes nothing.
"""

from django.contrib.auth import get_user_model

from assurance.organisations.models import Location, Membership, Provider, Team

DEMO_PASSWORD = "care-demo-2026"  # noqa: S105 - demo accounts only; printed and in the README

User = get_user_model()


def seed_organisations(demo, spec):
    for provider_spec in spec["providers"]:
        provider = provider_seed(demo, provider_spec)
        for location_spec in provider_spec["locations"]:
            location = location_seed(demo, provider, location_spec)
            for team_spec in location_spec["teams"]:
                team_seed(demo, location, team_spec)
        for person in provider_spec["people"]:
            user_seed(demo, person)
        for membership in provider_spec["memberships"]:
            membership_seed(demo, provider, membership)


def provider_seed(demo, spec):
    provider, created = Provider.objects.get_or_create(
        slug=spec["slug"], defaults={"name": spec["name"]}
    )
    demo.result.note(provider, created)
    return provider


def location_seed(demo, provider, spec):
    location, created = Location.objects.get_or_create(
        cqc_location_id=spec["cqc_location_id"],
        defaults={
            "provider": provider,
            "name": spec["name"],
            "service_type": spec["service_type"],
            "address": spec["address"],
        },
    )
    demo.result.note(location, created)
    demo.locations[location.name] = location
    return location


def team_seed(demo, location, spec):
    team, created = Team.objects.get_or_create(
        location=location, name=spec["name"], archived_at=None, defaults={"kind": spec["kind"]}
    )
    demo.result.note(team, created)
    return team


def user_seed(demo, spec):
    username = spec["username"]
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": spec["first_name"],
            "last_name": spec["last_name"],
            "email": f"{username}@example.org",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    demo.result.note(user, created)
    demo.users[username] = user
    return user


def membership_seed(demo, provider, spec):
    extra = {"expires_on": demo.day(spec["expires_on"])} if "expires_on" in spec else {}
    location = demo.locations[spec["location"]] if spec["location"] else None
    membership, created = Membership.objects.get_or_create(
        user=demo.users[spec["user"]],
        provider=provider,
        location=location,
        role=spec["role"],
        ended_at=None,
        defaults=extra,
    )
    demo.result.note(membership, created)
    return membership
