from django.contrib import admin

from .models import EvidenceFileDownload


@admin.register(EvidenceFileDownload)
class EvidenceFileDownloadAdmin(admin.ModelAdmin):
    """Who read which evidence file, through the web or the API. Read-only."""

    list_display = ["file", "user", "via", "downloaded_at"]
    list_filter = ["via"]
    list_select_related = ["file", "user"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
