"""State-changing writes for organisations: memberships (granting and ending roles) and teams."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assurance.common.history import records_actor
from assurance.common.queueing import enqueue
from assurance.organisations import tasks
from assurance.organisations.models import Location, Membership, Provider, Team
from assurance.organisations.permissions import (
    EITHER_SCOPE_ROLES,
    PROVIDER_WIDE_ROLES,
    SELF_GRANT_REFUSED,
    can_manage_members,
    grantable_roles,
    is_self_grant,
)
from domains.roles import Role

User = get_user_model()


def _check_can_grant(*, held, role):
    if not can_manage_members(held):
        raise PermissionDenied("Only a Registered Manager or Senior Leader can manage members.")
    if role not in grantable_roles(held):
        raise PermissionDenied(
            f"You cannot grant the {Role(role).label} role: it is above your own scope."
        )


@records_actor
def membership_grant(
    *,
    actor,
    held: frozenset,
    provider: Provider,
    location: Location | None,
    email: str,
    first_name: str = "",
    last_name: str = "",
    role: str,
    expires_on=None,
) -> Membership:
    """Give someone a role at a location (or provider-wide), creating their account if new.

    A new account has no password: the person gets a "set your password" email.
    """
    _check_can_grant(held=held, role=role)
    if role in PROVIDER_WIDE_ROLES and location is not None:
        raise ValidationError({"role": f"{Role(role).label} is a provider-wide role."})
    if role not in PROVIDER_WIDE_ROLES | EITHER_SCOPE_ROLES and location is None:
        raise ValidationError({"role": f"{Role(role).label} is held at a location."})
    if role != Role.VIEWER:
        expires_on = None
    email = email.strip().lower()
    created_user = False
    try:
        with transaction.atomic():
            user = User.objects.filter(email__iexact=email).first()
            if user is not None and is_self_grant(actor_id=actor.pk, grantee_id=user.pk):
                raise ValidationError({"email": SELF_GRANT_REFUSED})
            if user is None:
                user = User(username=email, email=email, first_name=first_name, last_name=last_name)
                user.set_unusable_password()
                user.save()
                created_user = True
            membership = Membership.objects.create(
                user=user,
                provider=provider,
                location=location,
                role=role,
                expires_on=expires_on,
                granted_by=actor,
            )
    except IntegrityError as exc:
        raise ValidationError("This person already holds that role here.") from exc
    if created_user:
        # After commit, through Celery: a mail server that is down never fails the request.
        enqueue(tasks.send_welcome_email, membership.pk)
    return membership


@records_actor
def membership_end(*, actor, membership: Membership) -> Membership:
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.ended_at is None:
            locked.ended_at = timezone.now()
            locked.ended_by = actor
            locked.save(update_fields=["ended_at", "ended_by"])
    return locked


def team_create(*, location: Location, name: str, kind: str) -> Team:
    try:
        with transaction.atomic():
            return Team.objects.create(location=location, name=name.strip(), kind=kind)
    except IntegrityError as exc:
        raise ValidationError({"name": "This location already has a team with that name."}) from exc


def team_archive(*, team: Team) -> Team:
    if team.archived_at is None:
        team.archived_at = timezone.now()
        team.save(update_fields=["archived_at"])
    return team
