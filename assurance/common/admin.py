from simple_history.admin import SimpleHistoryAdmin


class NoDeleteAdmin(SimpleHistoryAdmin):
    """Nothing is hard-deleted: records are withdrawn, ended or superseded instead."""

    def has_delete_permission(self, request, obj=None):
        return False
