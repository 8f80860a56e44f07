from django.contrib import admin

from .models import ReminderDelivery, Review


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
