"""Admin of dispatch: proposals, board moves and calendar feeds, read-only (they are written by the
board and the optimiser, whose rules the admin would bypass)."""

from django.contrib import admin

from tournevis.core.admin_audit import ReadOnlyAdmin
from tournevis.dispatch.models import Feed, FeedEntry, Move, Proposal


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "team", "first_day", "last_day", "solver", "started_at")
    list_filter = ("kind", "status")


@admin.register(Move)
class MoveAdmin(ReadOnlyAdmin):
    list_display = ("id", "visit", "at", "by", "undone_at")


@admin.register(Feed)
class FeedAdmin(ReadOnlyAdmin):
    list_display = ("id", "technician", "created_at", "revoked_at")
    exclude = ("token_hash",)


@admin.register(FeedEntry)
class FeedEntryAdmin(ReadOnlyAdmin):
    list_display = ("feed", "visit", "sequence", "start", "cancelled")
