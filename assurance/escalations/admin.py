from django.contrib import admin

from assurance.common.admin import NoDeleteAdmin

from .models import Escalation, EscalationEvent


class EscalationEventInline(admin.TabularInline):
    """The escalation's record of moves: read only, written by the services."""

    model = EscalationEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ["at", "actor", "from_status", "to_status", "note", "changes"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Escalation)
class EscalationAdmin(NoDeleteAdmin):
    list_display = ["action", "case", "trigger", "owner", "due_on", "status"]
    list_filter = ["status", "trigger"]
    raw_id_fields = ["case", "provider", "owner", "raised_by"]
    inlines = [EscalationEventInline]
