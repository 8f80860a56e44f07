from django.contrib import admin

from assurance.common.admin import NoDeleteAdmin

from .models import Escalation


@admin.register(Escalation)
class EscalationAdmin(NoDeleteAdmin):
    list_display = ["action", "case", "trigger", "owner", "due_on", "status"]
    list_filter = ["status", "trigger"]
    raw_id_fields = ["case", "owner", "raised_by"]
