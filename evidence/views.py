"""Evidence file downloads, always behind the permission check."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from assurance.common.storage import StorageUnavailable, open_stored
from assurance.common.views import unavailable

from .access import get_evidence_file_for_user


@require_GET
@login_required
def file_download(request, file_uuid):
    stored = get_evidence_file_for_user(request.user, file_uuid)
    try:
        # Streamed from the storage (disk or bucket) only after the permission check above.
        handle = open_stored(stored.file)
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    except StorageUnavailable as exc:
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
