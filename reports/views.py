from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from assurance.cases.access import get_case_for_user
from assurance.common.lists import paginate
from assurance.common.storage import StorageUnavailable, open_stored
from assurance.common.views import add_errors, unavailable
from assurance.organisations.access import (
    get_location_for_user,
    get_provider_for_user,
    roles_at_location,
    roles_at_provider,
    visible_locations,
)
from assurance.organisations.permissions import (
    LOCATION_REPORT_ROLES,
    QUARTERLY_REPORT_ROLES,
    is_read_only,
)
from evidence.models import DownloadVia

from . import data, exports, rendering, services
from .access import (
    get_report_run_for_user,
    location_pack_runs,
    provider_case_summaries,
    provider_quarterly_runs,
)
from .forms import CasePackForm, PackRequestForm, QuarterlyRequestForm
from .models import (
    COMMENTARY_MAX,
    XLSX_CONTENT_TYPE,
    DownloadedFile,
    ExportFormat,
    ReportKind,
    ReportLayout,
    ReportRun,
)
from .periods import parse_quarter

RUNS_PAGE_SIZE = 20
CASE_SUMMARIES_SHOWN = 20
# What a run's row never shows: its per-case fingerprints (wide JSON), its error text, and the
# text columns of its case.
RUN_LIST_DEFER = (
    "case_fingerprints",
    "error",
    "case__wider_areas",
    "case__baseline_issue",
    "case__status_reason",
)


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
    form = None
    if provider_wide or locations:
        form = QuarterlyRequestForm(locations=locations, provider_wide=provider_wide)
    return _reports_page(request, provider, form)


def _reports_page(request, provider, form):
    runs = paginate(
        request,
        provider_quarterly_runs(request.user, provider)
        .select_related("provider", "location", "case", "requested_by")
        .defer(*RUN_LIST_DEFER)
        .annotate(download_count=Count("downloads"))
        .order_by("-requested_at", "-id"),
        RUNS_PAGE_SIZE,
        region="run-list",
        label="Pages of reports",
    )
    case_summaries = (
        provider_case_summaries(request.user, provider)
        .select_related("case", "location", "requested_by")
        .annotate(download_count=Count("downloads"))
        .order_by("-requested_at", "-id")[:CASE_SUMMARIES_SHOWN]
    )
    return render(
        request,
        "reports/provider_reports.html",
        {
            "provider": provider,
            "runs": runs,
            "form": form,
            "case_summaries": case_summaries,
            "read_only": is_read_only(provider.user_roles),
        },
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
        return _reports_page(request, provider, form)
    location = next(
        (loc for loc in locations if str(loc.uuid) == form.cleaned_data["location"]), None
    )
    roles = provider.user_roles if location is None else roles_at_location(request.user, location)
    try:
        run = services.report_request_quarterly(
            actor=request.user,
            actor_roles=roles,
            provider=provider,
            quarter=parse_quarter(form.cleaned_data["quarter"]),
            location=location,
            layout=form.cleaned_data["layout"],
            commentary=form.cleaned_data["commentary"],
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return _reports_page(request, provider, form)
    return redirect("reports:report_run", run_uuid=run.uuid)


@require_POST
@login_required
def request_case_summary(request, case_uuid):
    case = get_case_for_user(request.user, case_uuid)
    run = services.report_request_case(actor=request.user, case=case, actor_roles=case.user_roles)
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
    layout = request.GET.get("layout", ReportLayout.SUMMARY)
    if layout not in ReportLayout.values or (layout == ReportLayout.FULL and location is None):
        layout = ReportLayout.SUMMARY
    run = ReportRun(
        kind=ReportKind.QUARTERLY,
        provider=provider,
        location=location,
        quarter=quarter.label,
        layout=layout,
        commentary=request.GET.get("commentary", "")[:COMMENTARY_MAX],
        requested_at=timezone.now(),
        requested_by=request.user,
    )
    context, template = services.report_context(run)
    html = rendering.render_html(template, context, preview=True)
    return HttpResponse(html)


@login_required
def report_run(request, run_uuid):
    run = get_report_run_for_user(request.user, run_uuid)
    template = "reports/_run_status.html" if request.htmx else "reports/run_detail.html"
    downloads = run.downloads.select_related("user")[:50]
    comparison = services.run_comparison(run) if run.status == "done" else None
    return render(
        request,
        template,
        {
            "run": run,
            "downloads": downloads,
            "comparison": comparison,
            "read_only": is_read_only(_roles_for_run(request.user, run)),
        },
    )


def run_file_response(run, request=None):
    """The run's archived file (PDF or ZIP) as an attachment; 404 while there is none. With
    `request`, a file store that does not answer gives a 503 page (else it raises)."""
    if not run.file:
        raise Http404("This report has no file yet.")
    try:
        handle = open_stored(run.file)
    except FileNotFoundError as exc:
        raise Http404("The report file is missing from storage.") from exc
    except StorageUnavailable as exc:
        if request is None:
            raise
        return unavailable(request, str(exc))
    response = FileResponse(
        handle, as_attachment=True, filename=run.filename, content_type=run.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _roles_for_run(user, run):
    if run.location_id:
        return roles_at_location(user, run.location)
    return roles_at_provider(user, run.provider)


@require_GET
@login_required
def report_download(request, run_uuid):
    run = get_report_run_for_user(request.user, run_uuid)
    response = run_file_response(run, request)
    if isinstance(response, FileResponse):
        services.report_record_download(actor=request.user, run=run, via=DownloadVia.WEB)
    return response


def index_file_response(run, request=None):
    """A quarterly run's evidence index (XLSX) as an attachment; 404 while there is none."""
    if not run.index_file:
        raise Http404("This report has no evidence index.")
    try:
        handle = open_stored(run.index_file)
    except FileNotFoundError as exc:
        raise Http404("The evidence index is missing from storage.") from exc
    except StorageUnavailable as exc:
        if request is None:
            raise
        return unavailable(request, str(exc))
    response = FileResponse(
        handle, as_attachment=True, filename=run.index_filename, content_type=XLSX_CONTENT_TYPE
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def report_index_download(request, run_uuid):
    run = get_report_run_for_user(request.user, run_uuid)
    response = index_file_response(run, request)
    if isinstance(response, FileResponse):
        services.report_record_download(
            actor=request.user, run=run, via=DownloadVia.WEB, file=DownloadedFile.INDEX
        )
    return response


@require_POST
@login_required
def report_retry(request, run_uuid):
    run = get_report_run_for_user(request.user, run_uuid)
    if is_read_only(_roles_for_run(request.user, run)):
        raise PermissionDenied(services.READ_ONLY_REFUSAL)
    if services.report_retry(actor=request.user, run=run):
        messages.success(request, "The report is queued again.")
    else:
        messages.error(
            request, "Only a report that failed, or whose worker stopped, can be retried."
        )
    return redirect("reports:report_run", run_uuid=run.uuid)


# --- evidence packs ----------------------------------------------------------------------------


def _packs_page(request, location, form):
    runs = paginate(
        request,
        location_pack_runs(location)
        .select_related("provider", "location", "case", "requested_by")
        .defer(*RUN_LIST_DEFER)
        .annotate(download_count=Count("downloads"))
        .order_by("-requested_at", "-id"),
        RUNS_PAGE_SIZE,
        region="run-list",
        label="Pages of evidence packs",
    )
    return render(
        request, "reports/location_packs.html", {"location": location, "runs": runs, "form": form}
    )


@login_required
def location_packs(request, location_uuid):
    location = get_location_for_user(request.user, location_uuid)
    return _packs_page(request, location, PackRequestForm())


@require_POST
@login_required
def request_location_pack(request, location_uuid):
    location = get_location_for_user(request.user, location_uuid)
    form = PackRequestForm(request.POST)
    if not form.is_valid():
        return _packs_page(request, location, form)
    try:
        run = services.pack_request_location(
            actor=request.user,
            location=location,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            include_withdrawn_files=form.cleaned_data["include_withdrawn_files"],
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return _packs_page(request, location, form)
    return redirect("reports:report_run", run_uuid=run.uuid)


@require_POST
@login_required
def request_case_pack(request, case_uuid):
    case = get_case_for_user(request.user, case_uuid)
    form = CasePackForm(request.POST)
    include = form.is_valid() and form.cleaned_data["include_withdrawn_files"]
    run = services.pack_request_case(actor=request.user, case=case, include_withdrawn_files=include)
    return redirect("reports:report_run", run_uuid=run.uuid)


# --- exports ---------------------------------------------------------------------------------


def _export(request, specs, list_name, fmt, *, scope, provider, location=None):
    spec = specs.get(list_name)
    if spec is None or fmt not in ExportFormat.values:
        raise Http404("There is no such export.")
    listed = spec.rows(request.user, scope, request.GET)
    record = services.export_record_start(
        actor=request.user,
        list_name=f"{'location' if location else 'provider'}-{spec.name}",
        title=f"{spec.title} · {scope}",
        provider=provider,
        location=location,
        filters={key: value for key, value in listed.filters.items() if value},
        fmt=fmt,
    )
    filename = f"{spec.name}-{slugify(str(scope))}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == ExportFormat.CSV:
        response = StreamingHttpResponse(
            exports.csv_chunks(
                spec,
                listed.rows,
                on_done=lambda count: services.export_record_finish(record=record, row_count=count),
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(True, filename)
    else:
        out, count = exports.xlsx_file(spec, listed.rows)
        services.export_record_finish(record=record, row_count=count)
        response = FileResponse(
            out,
            as_attachment=True,
            filename=filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def location_export(request, location_uuid, list_name, fmt):
    location = get_location_for_user(request.user, location_uuid)
    return _export(
        request,
        exports.LOCATION_EXPORTS,
        list_name,
        fmt,
        scope=location,
        provider=location.provider,
        location=location,
    )


@require_GET
@login_required
def provider_export(request, slug, list_name, fmt):
    provider = get_provider_for_user(request.user, slug)
    return _export(
        request, exports.PROVIDER_EXPORTS, list_name, fmt, scope=provider, provider=provider
    )
