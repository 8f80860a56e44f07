from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assurance.organisations.models import Location, Membership, Provider, Team


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0
    fields = ["name", "cqc_location_id", "service_type", "is_active"]
    show_change_link = True


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "allow_self_validation", "distinct_people_first_steps"]
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
