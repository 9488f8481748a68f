"""Admin of tickets: configuration (queues, agents, triage rules) is editable and audited; tickets are
worked in the back office and the API (their admin is read-mostly); intake bookkeeping is read-only."""

from django.contrib import admin

from tournevis.core.admin_audit import AuditedModelAdmin, ReadOnlyAdmin
from tournevis.tickets.models import (
    Agent,
    Attachment,
    AutoReply,
    Event,
    InboundEmail,
    IntakeCounter,
    IntakeEpisode,
    Link,
    MailboxCheckpoint,
    Message,
    NumberSequence,
    Queue,
    Ticket,
    TriageRule,
)


@admin.register(Queue)
class QueueAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "name_fr", "tier", "is_triage")
    readonly_fields = ("created_at",)


@admin.register(Agent)
class AgentAdmin(AuditedModelAdmin):
    list_display = ("user", "capacity", "active")
    raw_id_fields = ("user", "calendar")
    filter_horizontal = ("queues",)


@admin.register(TriageRule)
class TriageRuleAdmin(AuditedModelAdmin):
    list_display = ("position", "name", "active", "set_priority", "set_category", "set_queue")
    readonly_fields = ("version", "created_at", "updated_at")


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("created_at", "author_label", "public", "from_customer", "channel", "body")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(AuditedModelAdmin):
    list_display = ("number", "title", "customer", "priority", "status", "queue", "assignee", "channel")
    list_filter = ("status", "priority", "channel", "queue")
    search_fields = ("number", "title", "requester_email")
    raw_id_fields = (
        "customer",
        "site",
        "service_object",
        "contact",
        "assignee",
        "contract",
        "merged_into",
        "split_from",
    )
    readonly_fields = (
        "number",
        "version",
        "created_at",
        "updated_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
    )
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "created_at", "author_label", "public", "channel")
    raw_id_fields = ("ticket",)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "filename", "content_type", "size", "created_at")
    exclude = ("content",)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "at", "kind", "actor_label")
    list_filter = ("kind",)


@admin.register(Link)
class LinkAdmin(ReadOnlyAdmin):
    list_display = ("source", "kind", "target", "created_at")


@admin.register(NumberSequence)
class NumberSequenceAdmin(ReadOnlyAdmin):
    list_display = ("year", "last")


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "mailbox", "sender", "subject", "outcome", "ticket")
    list_filter = ("outcome", "mailbox")
    search_fields = ("message_id", "sender", "subject")
    exclude = ("raw",)


@admin.register(MailboxCheckpoint)
class MailboxCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("mailbox", "uidvalidity", "last_uid", "updated_at")


@admin.register(AutoReply)
class AutoReplyAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "address", "day")


@admin.register(IntakeCounter)
class IntakeCounterAdmin(ReadOnlyAdmin):
    list_display = ("channel", "reason", "count", "last_at", "last_detail")
    list_filter = ("channel",)


@admin.register(IntakeEpisode)
class IntakeEpisodeAdmin(ReadOnlyAdmin):
    list_display = ("channel", "fingerprint", "ticket", "first_at", "last_at", "count")
