from django.contrib import admin

from .models import ReportRun


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "requested_by", "requested_at", "size"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return False  # archived reports are immutable

    def has_add_permission(self, request):
        return False
