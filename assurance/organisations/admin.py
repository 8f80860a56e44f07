from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assurance.cases.models import ImprovementCase
from assurance.escalations.models import Escalation
from assurance.judgement.models import ProportionalityJudgement
from assurance.organisations.models import Location, Membership, Provider, Team
from assurance.reviews.models import ReminderDelivery, Review


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0
    fields = ["name", "cqc_location_id", "service_type", "is_active"]
    show_change_link = True


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "allow_self_validation"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [LocationInline]


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    fields = ["name", "kind", "archived_at"]


@admin.register(Location)
class LocationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "provider", "cqc_location_id", "service_type", "is_active"]
    list_filter = ["provider", "service_type", "is_active"]
    search_fields = ["name", "cqc_location_id"]
    inlines = [TeamInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "role", "provider", "location", "expires_on", "ended_at"]
    list_filter = ["role", "provider"]
    search_fields = ["user__username", "user__email"]
    raw_id_fields = ["user", "granted_by", "ended_by"]

    def has_delete_permission(self, request, obj=None):
        return False  # end a membership instead; history must stay whole


class NoDeleteAdmin(SimpleHistoryAdmin):
    """Nothing is hard-deleted: records are withdrawn, ended or superseded instead."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImprovementCase)
class ImprovementCaseAdmin(NoDeleteAdmin):
    list_display = ["title", "location", "domain", "status", "current_step", "opened_at"]
    list_filter = ["status", "domain", "location__provider"]
    search_fields = ["title"]
    raw_id_fields = ["opened_by"]


@admin.register(Escalation)
class EscalationAdmin(NoDeleteAdmin):
    list_display = ["action", "case", "trigger", "owner", "due_on", "status"]
    list_filter = ["status", "trigger"]
    raw_id_fields = ["case", "owner", "raised_by"]


@admin.register(ProportionalityJudgement)
class JudgementAdmin(NoDeleteAdmin):
    list_display = [
        "case",
        "level",
        "supportable_level",
        "recorded_by",
        "recorded_at",
        "superseded_at",
    ]
    raw_id_fields = ["case", "recorded_by", "confirmed_by"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["kind", "period_label", "provider", "case", "due_on", "status"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["case", "completed_by"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(admin.ModelAdmin):
    list_display = ["stage", "recipient", "status", "sent_at", "attempts"]
    list_filter = ["status", "stage"]
    readonly_fields = [f.name for f in ReminderDelivery._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
