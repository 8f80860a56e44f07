from django.contrib import admin

from assurance.common.admin import NoDeleteAdmin

from .models import ImprovementCase


@admin.register(ImprovementCase)
class ImprovementCaseAdmin(NoDeleteAdmin):
    list_display = ["title", "location", "domain", "status", "current_step", "opened_at"]
    list_filter = ["status", "domain", "location__provider"]
    search_fields = ["title"]
    raw_id_fields = ["opened_by"]
