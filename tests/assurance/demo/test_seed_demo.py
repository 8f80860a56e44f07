import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def _counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"assurance", "domains", "evidence", "reports", "auth"}
    }


def test_it_seeds_the_demo_twice_with_the_same_row_counts(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert first["assurance.Location"] == 3
    from django.contrib.auth import get_user_model

    usernames = set(get_user_model().objects.values_list("username", flat=True))
    assert {
        "quality.lead",
        "registered.manager",
        "deputy.manager",
        "team.leader",
        "operations.manager",
        "senior.leader",
        "viewer",
        "outsider",
    } <= usernames


def test_it_refuses_without_force_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert _counts()["assurance.Location"] == 0
    call_command("seed_demo", "--force")
    assert _counts()["assurance.Location"] == 3


def test_it_gives_the_two_demo_locations_different_service_types():
    from assurance.demo import loader as demo
    from assurance.organisations.models import Location

    demo.seed()
    types = set(
        Location.objects.filter(provider__slug="oakfield-care").values_list(
            "service_type", flat=True
        )
    )
    assert len(types) == 2


def test_it_moves_the_demo_escalation_through_the_service_so_the_move_is_recorded():
    from assurance.demo import loader as demo
    from assurance.escalations.models import Escalation

    demo.seed()
    escalation = Escalation.objects.get(trigger="judgement", status="in_progress")
    assert escalation.owner.username == "team.leader"
    moves = [(e.actor.username, e.from_status, e.to_status) for e in escalation.events.all()[1:]]
    assert moves == [("registered.manager", "open", "in_progress")]
