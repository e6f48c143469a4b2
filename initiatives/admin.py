"""The proposals and their log, to read: every change goes through the moderators' desk (/initiatives/moderate/),
which checks each step and logs it; the admin changes nothing, so no state can skip its check or its log line."""

from django.contrib import admin

from initiatives.models import Proposal, ProposalLog


class LogInline(admin.TabularInline):
    model = ProposalLog
    fields = readonly_fields = ("at", "action", "before", "after", "user", "reason")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "state", "slug", "submitted"]
    list_filter = ["state"]
    fields = readonly_fields = (
        "title",
        "question",
        "text",
        "signed_as",
        "state",
        "slug",
        "reason",
        "supporters",
        "vote",
        "response",
    )
    inlines = [LogInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
