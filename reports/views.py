from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from assurance.cases.access import get_case_for_user
from assurance.common.storage import StorageUnavailable, open_stored
from assurance.common.views import unavailable
from assurance.organisations.access import (
    get_provider_for_user,
    roles_at_location,
    visible_locations,
)
from assurance.organisations.permissions import LOCATION_REPORT_ROLES, QUARTERLY_REPORT_ROLES

from . import data, rendering, services
from .access import can_see_run, get_report_run_for_user
from .forms import QuarterlyRequestForm
from .models import ReportKind, ReportRun
from .periods import parse_quarter


def _scopes(user, provider):
    """Locations where the user may request a location report, and whether they may request
    the provider-wide one."""
    provider_wide = bool(QUARTERLY_REPORT_ROLES & provider.user_roles)
    locations = [
        loc
        for loc in visible_locations(user).filter(provider=provider).order_by("name")
        if provider_wide or LOCATION_REPORT_ROLES & roles_at_location(user, loc)
    ]
    return locations, provider_wide


@login_required
def provider_reports(request, slug):
    provider = get_provider_for_user(request.user, slug)
    locations, provider_wide = _scopes(request.user, provider)
    runs = [
        run
        for run in ReportRun.objects.filter(provider=provider)
        .select_related("provider", "location", "case", "requested_by")
        .prefetch_related("downloads")
        if run.kind == ReportKind.QUARTERLY and can_see_run(request.user, run)
    ]
    form = None
    if provider_wide or locations:
        form = QuarterlyRequestForm(locations=locations, provider_wide=provider_wide)
    return render(
        request,
        "reports/provider_reports.html",
        {"provider": provider, "runs": runs, "form": form},
    )


@require_POST
@login_required
def request_quarterly(request, slug):
    provider = get_provider_for_user(request.user, slug)
    locations, provider_wide = _scopes(request.user, provider)
    if not (provider_wide or locations):
        raise PermissionDenied(
            "Only Senior Leaders, and Registered Managers for their own location, can request "
            "quarterly reports."
        )
    form = QuarterlyRequestForm(request.POST, locations=locations, provider_wide=provider_wide)
    if not form.is_valid():
        messages.error(request, "Choose a quarter and a scope from the lists.")
        return redirect("reports:provider_reports", slug=provider.slug)
    location = next(
        (loc for loc in locations if str(loc.uuid) == form.cleaned_data["location"]), None
    )
    roles = provider.user_roles if location is None else roles_at_location(request.user, location)
    run = services.report_request_quarterly(
        actor=request.user,
        actor_roles=roles,
        provider=provider,
        quarter=parse_quarter(form.cleaned_data["quarter"]),
        location=location,
    )
    return redirect("reports:report_run", run_uuid=run.uuid)


@require_POST
@login_required
def request_case_summary(request, case_uuid):
    case = get_case_for_user(request.user, case_uuid)
    run = services.report_request_case(actor=request.user, case=case)
    return redirect("reports:report_run", run_uuid=run.uuid)


@login_required
def case_summary_preview(request, case_uuid):
    case = get_case_for_user(request.user, case_uuid)
    context = data.case_summary_data(case)
    context["generated_by"] = request.user
    html = rendering.render_html(rendering.TEMPLATES["case"], context, preview=True)
    return HttpResponse(html)


@login_required
def quarterly_preview(request, slug):
    provider = get_provider_for_user(request.user, slug)
    locations, provider_wide = _scopes(request.user, provider)
    try:
        quarter = parse_quarter(request.GET.get("quarter", ""))
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("reports:provider_reports", slug=provider.slug)
    location = next(
        (loc for loc in locations if str(loc.uuid) == request.GET.get("location")), None
    )
    if location is None and not provider_wide:
        raise PermissionDenied("Choose one of your locations.")
    context = data.quarterly_data(provider, quarter, location=location, requested_by=request.user)
    html = rendering.render_html(rendering.TEMPLATES["quarterly"], context, preview=True)
    return HttpResponse(html)


@login_required
def report_run(request, run_uuid):
    run = get_report_run_for_user(request.user, run_uuid)
    template = "reports/_run_status.html" if request.htmx else "reports/run_detail.html"
    downloads = run.downloads.select_related("user")[:50]
    return render(request, template, {"run": run, "downloads": downloads})


@require_GET
@login_required
def report_download(request, run_uuid):
    run = get_report_run_for_user(request.user, run_uuid)
    if not run.file:
        raise Http404("This report has no file yet.")
    try:
        handle = open_stored(run.file)
    except FileNotFoundError as exc:
        raise Http404("The report file is missing from storage.") from exc
    except StorageUnavailable as exc:
        return unavailable(request, str(exc))
    services.report_record_download(actor=request.user, run=run)
    response = FileResponse(
        handle, as_attachment=True, filename=run.filename, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@login_required
def report_retry(request, run_uuid):
    run = get_report_run_for_user(request.user, run_uuid)
    if services.report_retry(actor=request.user, run=run):
        messages.success(request, "The report is queued again.")
    else:
        messages.error(
            request, "Only a report that failed, or whose worker stopped, can be retried."
        )
    return redirect("reports:report_run", run_uuid=run.uuid)
