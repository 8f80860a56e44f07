from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin


class NoDeleteAdmin(SimpleHistoryAdmin):
    """Nothing is hard-deleted: records are withdrawn, ended or superseded instead."""

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Archive records (downloads, exports, tokens): shown, never added, changed or deleted
    here."""

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
