from django.contrib import admin, messages

from assurance.common.admin import ReadOnlyAdmin

from . import services
from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
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

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = sum(services.token_revoke(actor=request.user, token=t) for t in queryset)
        messages.success(request, f"{count} token{'s' if count != 1 else ''} revoked.")
