from django.contrib import admin

from assurance.common.admin import ReadOnlyAdmin

from .models import ExportRecord, ReportDownload, ReportRun


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "requested_by", "requested_at", "size"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return False  # archived reports are immutable

    def has_add_permission(self, request):
        return False


@admin.register(ReportDownload)
class ReportDownloadAdmin(ReadOnlyAdmin):
    list_display = ["run", "user", "via", "downloaded_at"]
    list_filter = ["via"]
    list_select_related = ["run__case", "run__location", "run__provider", "user"]


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnlyAdmin):
    list_display = ["title", "user", "format", "row_count", "created_at"]
    list_filter = ["format", "list_name"]
    list_select_related = ["user", "provider", "location"]
    search_fields = ["title", "user__username", "user__email"]
