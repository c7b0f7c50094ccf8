"""Admin bases shared by the apps."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows administrators may look at but not add or change here: the apps' service
    functions, which check and audit, write them. Deleting is refused too unless
    `rows_deletable` (delivery records an administrator may clear)."""

    rows_deletable = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.rows_deletable and super().has_delete_permission(request, obj)
