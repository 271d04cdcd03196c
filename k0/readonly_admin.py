"""Admin pages of records the application writes and people only read (logs, outboxes,
jobs): one mixin instead of the same three overrides on every admin class."""


class ReadOnlyAdminMixin:
    """No adding and no changing in the admin. Deleting keeps Django's permission check,
    unless `deletable = False` (audit records nobody may remove)."""

    deletable = True

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.deletable and super().has_delete_permission(request, obj)
