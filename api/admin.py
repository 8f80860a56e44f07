from django.contrib import admin, messages

from . import services
from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are shown, never edited or deleted; an administrator may revoke them."""

    list_display = [
        "name",
        "prefix",
        "user",
        "created_at",
        "expires_on",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username", "user__email"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = sum(services.token_revoke(actor=request.user, token=t) for t in queryset)
        messages.success(request, f"{count} token{'s' if count != 1 else ''} revoked.")
