"""The evidence register and file downloads, always behind the permission check."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assurance.common.lists import paginate
from assurance.common.storage import StorageUnavailable, open_stored
from assurance.common.views import unavailable
from assurance.organisations.access import get_location_for_user
from assurance.organisations.models import Team

from . import lists as evidence_lists
from . import services
from .access import get_evidence_file_for_user
from .models import DownloadVia, Source, Stance

REGISTER_PAGE_SIZE = 50


@login_required
def location_register(request, location_uuid):
    location = get_location_for_user(request.user, location_uuid)
    listed = evidence_lists.filter_evidence(evidence_lists.location_evidence(location), request.GET)
    page = paginate(
        request,
        evidence_lists.with_list_data(listed.rows).defer(
            "case__wider_areas", "case__baseline_issue", "case__status_reason"
        ),
        REGISTER_PAGE_SIZE,
        region="evidence-list",
        label="Pages of evidence",
    )
    return render(
        request,
        "evidence/register.html",
        {
            "location": location,
            "page": page,
            "filters": listed.filters,
            # location_id too: the related manager sets each case's location from it, and a
            # deferred one is a query per case.
            "cases": location.cases.order_by("title").only("uuid", "title", "location_id"),
            "teams": Team.objects.filter(location=location).order_by("name"),
            "sources": Source.choices,
            "stances": Stance.choices,
            "statuses": evidence_lists.STATUS_FILTERS.items(),
        },
    )


def file_response(stored, request=None):
    """The stored file as an attachment under its original name, never sniffed or run."""
    try:
        # Streamed from the storage (disk or bucket) only after the permission check above.
        handle = open_stored(stored.file)
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    except StorageUnavailable as exc:
        if request is None:
            raise
        return unavailable(request, str(exc))
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=stored.original_name,
        content_type=stored.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def file_download(request, file_uuid):
    stored = get_evidence_file_for_user(request.user, file_uuid)
    response = file_response(stored, request)
    if isinstance(response, FileResponse):
        services.evidence_file_record_download(
            actor=request.user, stored=stored, via=DownloadVia.WEB
        )
    return response
