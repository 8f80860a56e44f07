from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assurance.common.lists import paginate
from assurance.organisations import lists as member_lists
from assurance.organisations import services as organisations_services
from assurance.organisations.access import (
    get_location_for_user,
    get_membership_for_user,
    get_provider_for_user,
    get_team_for_user,
    visible_locations,
)
from assurance.organisations.forms import MemberAddForm, TeamForm
from assurance.organisations.models import Membership
from assurance.organisations.permissions import (
    MEMBER_MANAGER_ROLES,
    PROVIDER_MANAGER_ROLES,
    PROVIDER_SCOPE_ROLES,
    PROVIDER_WIDE_ROLES,
    REMINDER_ROLES,
    can_manage_members,
    can_open_case,
    can_switch_framework,
    grantable_roles,
    holds_any,
)

MEMBERS_PAGE_SIZE = 50
HOME_PAGE_SIZE = 24  # roles, and services, on the home page


@login_required
def home(request):
    """The person's roles and the services they can see, each a paged list: a Registered
    Manager of 200 locations holds 200 roles."""
    memberships = paginate(
        request,
        Membership.objects.current()
        .filter(user=request.user)
        .select_related("provider", "location")
        .order_by("provider__name", "location__name", "role", "id"),
        HOME_PAGE_SIZE,
        param="roles_page",
        region="role-list",
        label="Pages of your roles",
    )
    locations = paginate(
        request,
        visible_locations(request.user)
        .select_related("provider")
        .order_by("provider__name", "name", "id"),
        HOME_PAGE_SIZE,
        param="services_page",
        region="service-list",
        label="Pages of your services",
    )
    return render(
        request,
        "assurance/home.html",
        {"memberships": memberships, "locations": locations},
    )


@login_required
def provider_detail(request, slug):
    provider = get_provider_for_user(request.user, slug)
    locations = paginate(
        request,
        visible_locations(request.user).filter(provider=provider).order_by("name", "id"),
        LOCATIONS_PAGE_SIZE,
        param="locations_page",
        region="location-list",
        label="Pages of locations",
    )
    members = _members_page(request, member_lists.provider_members(provider))
    can_manage = can_manage_members(provider.user_roles)
    form = MemberAddForm(grantable=_provider_grantable(provider)) if can_manage else None
    return render(
        request,
        "assurance/provider_detail.html",
        {
            "provider": provider,
            "locations": locations,
            "members": members,
            "can_manage": can_manage,
            "member_form": form,
            "can_see_reminders": holds_any(provider.user_roles, PROVIDER_MANAGER_ROLES),
            "can_switch_framework": can_switch_framework(provider.user_roles),
        },
    )


# Locations on the provider page, a page at a time: a large care group runs 200 to 300.
LOCATIONS_PAGE_SIZE = 24


def _members_page(request, members):
    return paginate(
        request,
        members,
        MEMBERS_PAGE_SIZE,
        param="members_page",
        region="member-list",
        label="Pages of people and roles",
    )


def _provider_grantable(provider):
    # Provider-wide memberships are Senior Leader or provider-wide Viewer only.
    return grantable_roles(provider.user_roles) & PROVIDER_SCOPE_ROLES


def _location_context(location, **extra):
    teams = location.teams.active().order_by("name")
    can_manage = can_manage_members(location.user_roles)
    grantable = grantable_roles(location.user_roles) - PROVIDER_WIDE_ROLES
    context = {
        "location": location,
        "teams": teams,
        "can_manage": can_manage,
        "grantable": grantable,
        "member_form": MemberAddForm(grantable=grantable) if can_manage else None,
        "team_form": TeamForm() if can_manage else None,
        "can_open_case": can_open_case(location.user_roles),
        "can_see_reminders": holds_any(location.user_roles, REMINDER_ROLES),
    }
    context.update(extra)
    return context


@login_required
def location_detail(request, location_uuid):
    location = get_location_for_user(request.user, location_uuid)
    members = _members_page(request, member_lists.location_members(location))
    return render(
        request, "assurance/location_detail.html", _location_context(location, members=members)
    )


@login_required
def team_detail(request, team_uuid):
    team = get_team_for_user(request.user, team_uuid)
    return render(request, "assurance/team_detail.html", {"team": team, "location": team.location})


def _render_location_with_errors(request, location, **forms):
    return render(
        request,
        "assurance/location_detail.html",
        _location_context(
            location,
            members=_members_page(request, member_lists.location_members(location)),
            **forms,
        ),
    )


def _grant(request, form, *, held, provider=None, location=None):
    """Grant the role the valid form asks for; None (with the error on the form) if not."""
    if not form.is_valid():
        return None
    try:
        return organisations_services.membership_grant(
            actor=request.user,
            held=held,
            provider=provider or location.provider,
            location=location,
            **form.cleaned_data,
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return None


@require_POST
@login_required
def location_member_add(request, location_uuid):
    location = get_location_for_user(request.user, location_uuid, roles=MEMBER_MANAGER_ROLES)
    grantable = grantable_roles(location.user_roles) - PROVIDER_WIDE_ROLES
    form = MemberAddForm(request.POST, grantable=grantable)
    membership = _grant(request, form, held=location.user_roles, location=location)
    if membership:
        messages.success(
            request,
            f"{membership.user.email} is now {membership.get_role_display()} at {location}.",
        )
        return redirect("organisations:location_detail", location_uuid=location.uuid)
    return _render_location_with_errors(request, location, member_form=form)


@require_POST
@login_required
def provider_member_add(request, slug):
    provider = get_provider_for_user(request.user, slug, roles=PROVIDER_MANAGER_ROLES)
    form = MemberAddForm(request.POST, grantable=_provider_grantable(provider))
    membership = _grant(request, form, held=provider.user_roles, provider=provider)
    if membership:
        messages.success(
            request,
            f"{membership.user.email} is now {membership.get_role_display()} across {provider}.",
        )
        return redirect("organisations:provider_detail", slug=provider.slug)
    locations = visible_locations(request.user).filter(provider=provider)
    members = _members_page(request, member_lists.provider_members(provider))
    return render(
        request,
        "assurance/provider_detail.html",
        {
            "provider": provider,
            "locations": locations,
            "members": members,
            "can_manage": True,
            "member_form": form,
        },
    )


@require_POST
@login_required
def member_end(request, membership_uuid):
    membership = get_membership_for_user(request.user, membership_uuid, manage=True)
    if membership.user_id == request.user.id:
        messages.error(request, "You cannot remove your own role. Ask another manager.")
    else:
        organisations_services.membership_end(actor=request.user, membership=membership)
        messages.success(
            request, f"{membership.user} no longer holds {membership.get_role_display()} here."
        )
    if membership.location_id:
        return redirect("organisations:location_detail", location_uuid=membership.location.uuid)
    return redirect("organisations:provider_detail", slug=membership.provider.slug)


@require_POST
@login_required
def team_add(request, location_uuid):
    location = get_location_for_user(request.user, location_uuid, roles=MEMBER_MANAGER_ROLES)
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = organisations_services.team_create(location=location, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Team “{team.name}” added.")
            return redirect("organisations:location_detail", location_uuid=location.uuid)
    return _render_location_with_errors(request, location, team_form=form)


@require_POST
@login_required
def team_archive(request, team_uuid):
    team = get_team_for_user(request.user, team_uuid, roles=MEMBER_MANAGER_ROLES)
    organisations_services.team_archive(team=team)
    messages.success(request, f"Team “{team.name}” archived. Its history is kept.")
    return redirect("organisations:location_detail", location_uuid=team.location.uuid)
