"""Escalation pages: lists per location and provider, raising one by hand, the detail page."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from assurance.cases import workflow as wf
from assurance.cases.access import get_case_for_user
from assurance.common.lists import paginate, render_list
from assurance.common.stale import StaleEdit, saved_version
from assurance.common.views import add_errors, forbidden
from assurance.escalations import lists as escalation_lists
from assurance.escalations import rules
from assurance.escalations import services as escalations_services
from assurance.escalations.access import get_escalation_for_user
from assurance.escalations.forms import EscalationForm, EscalationUpdateForm
from assurance.escalations.models import EscalationStatus
from assurance.organisations.access import (
    get_location_for_user,
    get_provider_for_user,
)
from assurance.organisations.models import Membership
from assurance.organisations.permissions import ESCALATION_MANAGER_ROLES, READ_ONLY_ROLES

User = get_user_model()
PAGE_SIZE = 20


def _owners(location=None, provider=None):
    """People who can own an escalation: current non-viewer members of the location, or the
    provider-wide members (its Senior Leaders) for a provider-wide escalation."""
    members = Membership.objects.current().exclude(role__in=READ_ONLY_ROLES)
    if location is not None:
        members = members.filter(location=location)
    else:
        members = members.filter(provider=provider, location__isnull=True)
    return User.objects.filter(id__in=members.values("user_id")).order_by("first_name", "last_name")


def _escalation_list(request, escalations, context):
    listed = escalation_lists.filter_escalations(escalations, request.GET)
    page = paginate(
        request,
        listed.rows.defer(
            "detail",
            "outcome",
            "cancel_reason",
            "case__wider_areas",
            "case__baseline_issue",
            "case__status_reason",
        ),
        PAGE_SIZE,
        region="escalation-list",
        label="Pages of escalations",
    )
    context.update({"page": page, "status": listed.filters["status"]})
    return render_list(
        request,
        "assurance/escalation_list.html",
        context,
        fragments={"escalation-list": "assurance/_escalation_list.html"},
    )


@login_required
def location_escalations(request, location_uuid):
    location = get_location_for_user(request.user, location_uuid)
    return _escalation_list(
        request,
        escalation_lists.location_escalations(location),
        {"location": location, "scope_name": location.name},
    )


@login_required
def provider_escalations(request, slug):
    provider = get_provider_for_user(request.user, slug)
    return _escalation_list(
        request,
        escalation_lists.provider_escalations(request.user, provider),
        {"provider": provider, "scope_name": provider.name},
    )


@login_required
@require_http_methods(["GET", "POST"])
def escalation_new(request, case_uuid):
    case = get_case_for_user(request.user, case_uuid, roles=ESCALATION_MANAGER_ROLES)
    form = EscalationForm(request.POST or None, case=case, owners=_owners(case.location))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            escalation = escalations_services.escalation_raise_by_hand(
                actor=request.user,
                actor_roles=case.user_roles,
                case=case,
                action=data["action"],
                detail=data["detail"],
                due_on=data["due_on"],
                owner=data["owner"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except wf.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Escalation raised: {escalation.action}.")
            return redirect("escalations:escalation_detail", escalation_uuid=escalation.uuid)
    return render(request, "assurance/escalation_form.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def escalation_detail(request, escalation_uuid):
    escalation = get_escalation_for_user(request.user, escalation_uuid)
    case = escalation.case
    roles = escalation.user_roles
    is_owner = escalation.owner_id == request.user.id
    manager = rules.is_manager(roles)
    update = rules.can_update(escalation.status, actor_roles=roles, is_owner=is_owner)
    can_update = bool(update)
    form = None
    saved = None
    if can_update:
        form = EscalationUpdateForm(
            request.POST or None,
            escalation=escalation,
            owners=_owners(case.location) if case else _owners(provider=escalation.provider),
            manager=manager,
            statuses=rules.moves_for(
                escalation.status, trigger=escalation.trigger, actor_roles=roles, is_owner=is_owner
            ),
        )
    if request.method == "POST":
        if not can_update:
            return forbidden(request, update.reason)
        wanted = request.POST.get("status", "")
        if wanted in EscalationStatus.values and wanted != escalation.status:
            move = rules.may_move(
                wanted, trigger=escalation.trigger, actor_roles=roles, is_owner=is_owner
            )
            if not move:
                return forbidden(request, move.reason)
        if form.is_valid():
            data = form.cleaned_data
            try:
                escalations_services.escalation_update(
                    actor=request.user,
                    actor_roles=roles,
                    escalation=escalation,
                    version=data["version"],
                    owner=data.get("owner", escalation.owner),
                    due_on=data.get("due_on"),
                    status=data["status"],
                    outcome=data["outcome"],
                    cancel_reason=data.get("cancel_reason", ""),
                    note=data["note"],
                )
            except StaleEdit as exc:
                form.add_error(None, str(exc))
                saved = saved_version(form, exc.current)
                form.data = form.data.copy()
                form.data["version"] = exc.current.version
            except ValidationError as exc:
                add_errors(form, exc)
            except wf.WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Escalation updated.")
                return redirect("escalations:escalation_detail", escalation_uuid=escalation.uuid)
    events = escalation.events.select_related("actor").order_by("-at", "-id")
    return render(
        request,
        "assurance/escalation_detail.html",
        {
            "escalation": escalation,
            "case": case,
            "form": form,
            "saved": saved,
            "events": events,
            "automatic": rules.is_automatic(escalation.trigger),
            "manager": manager,
        },
    )
