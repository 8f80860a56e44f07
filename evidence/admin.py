from django.contrib import admin

from assurance.common.admin import ReadOnlyAdmin

from .models import EvidenceFileDownload


@admin.register(EvidenceFileDownload)
class EvidenceFileDownloadAdmin(ReadOnlyAdmin):
    """Who read which evidence file, through the web or the API. Read-only."""

    list_display = ["file", "user", "via", "downloaded_at"]
    list_filter = ["via"]
    list_select_related = ["file", "user"]
