"""Tickets, their thread and timeline, queues and agents, triage rules, and the intake bookkeeping
(dedupe records, mailbox checkpoints, auto-reply log, counters, trap episodes)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tournevis.tickets.domain import Category, Channel, Priority, Status


def _choices(enum: type[Status] | type[Priority] | type[Channel] | type[Category]) -> list[tuple[str, str]]:
    return [(item.value, item.value.replace("_", " ")) for item in enum]


class Queue(models.Model):
    """A queue of one support tier or specialty (level 1, software, hardware, triage)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_fr = models.CharField(_("name (French)"), max_length=100, blank=True)
    tier = models.PositiveSmallIntegerField(_("tier"), default=1)
    skills = models.JSONField(_("required skills"), default=dict, blank=True)  # {"printers": 2}
    calendar = models.ForeignKey(
        "contracts.Calendar", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_triage = models.BooleanField(_("triage queue"), default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["tier", "code"]

    def __str__(self) -> str:
        return self.name


class Agent(models.Model):
    """A support agent's profile: queues, skills with levels, working calendar and capacity."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    queues = models.ManyToManyField(Queue, related_name="agents", blank=True)
    skills = models.JSONField(_("skills"), default=dict, blank=True)  # {"printers": 3, "network": 1}
    calendar = models.ForeignKey(
        "contracts.Calendar", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    capacity = models.PositiveSmallIntegerField(_("open tickets at most"), default=10)
    active = models.BooleanField(_("takes tickets"), default=True)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self) -> str:
        return str(self.user)


class Ticket(models.Model):
    """A request from a customer (or from a machine), with its SLA clocks in contracts.SlaClock
    (subject_type "ticket")."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer"),
    )
    site = models.ForeignKey(
        "customers.Site",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("site"),
    )
    service_object = models.ForeignKey(
        "installed_base.ServiceObject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service object"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("contact"),
    )
    requester_email = models.EmailField(_("requester e-mail"), blank=True)
    requester_phone = models.CharField(_("requester phone"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    category = models.CharField(_("category"), max_length=16, choices=_choices(Category), default="other")
    priority = models.CharField(_("priority"), max_length=2, choices=_choices(Priority), default="P3")
    channel = models.CharField(_("channel"), max_length=16, choices=_choices(Channel))
    status = models.CharField(_("status"), max_length=20, choices=_choices(Status), default=Status.NEW.value)
    queue = models.ForeignKey(
        Queue, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("queue")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assignee"),
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("contract"),
    )
    coverage = models.CharField(_("entitlement"), max_length=20, default="time_and_materials")
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
        verbose_name=_("merged into"),
    )
    split_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="splits",
        verbose_name=_("split from"),
    )
    is_bug = models.BooleanField(_("software bug"), default=False)
    bug_url = models.URLField(_("bug tracker issue"), max_length=500, blank=True)
    bug_state = models.CharField(_("bug state"), max_length=20, blank=True)  # requested, open, fixed
    external_ref = models.CharField(max_length=200, blank=True)  # e.g. "snmp:<fingerprint>", "iot:<episode>"
    first_response_at = models.DateTimeField(null=True, blank=True)
    last_public_update_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "queue"], name="tickets_status_queue_idx"),
            models.Index(fields=["assignee", "status"], name="tickets_assignee_status_idx"),
            models.Index(fields=["customer", "status"], name="tickets_customer_status_idx"),
            models.Index(fields=["requester_phone"], name="tickets_requester_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Message(models.Model):
    """One message of a ticket's thread: public (the customer sees it) or internal."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    public = models.BooleanField(_("public"), default=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(_("author"), max_length=200)
    from_customer = models.BooleanField(default=False)
    channel = models.CharField(_("channel"), max_length=16, choices=_choices(Channel))
    body = models.TextField(_("text"))
    body_html = models.TextField(_("HTML (sanitised)"), blank=True)
    email_message_id = models.CharField(max_length=500, blank=True, db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:40]}"


class Attachment(models.Model):
    """A file of a message, kept in the database in the same transaction as its message (images are
    re-encoded without EXIF before they get here)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    inline = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class Event(models.Model):
    """The ticket's timeline and status log: created, status, priority, queue, assignment, message,
    merge, split, link, escalation, bug, notification."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20)
    actor_label = models.CharField(max_length=200)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class Link(models.Model):
    """A relation between two tickets (related, duplicate of, caused by)."""

    KINDS = [("related", _("related")), ("duplicate", _("duplicate of")), ("caused_by", _("caused by"))]
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=12, choices=KINDS)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="tickets_link_once"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="tickets_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class TriageRule(models.Model):
    """When all given conditions hold, set priority, category and/or queue. Rules apply by position."""

    position = models.PositiveIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    object_categories = models.JSONField(_("object categories"), default=list, blank=True)
    customer_tiers = models.JSONField(_("customer tiers"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    set_priority = models.CharField(_("set priority"), max_length=2, choices=_choices(Priority), blank=True)
    set_category = models.CharField(_("set category"), max_length=16, choices=_choices(Category), blank=True)
    set_queue = models.ForeignKey(
        Queue, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("set queue")
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("triage rule")
        verbose_name_plural = _("triage rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class NumberSequence(models.Model):
    """The last number given per year, locked while a ticket is numbered (no gaps from races)."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket number sequence")
        verbose_name_plural = _("ticket number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


# --- Intake bookkeeping ---------------------------------------------------------------------------


class InboundEmail(models.Model):
    """One received e-mail, deduplicated on (mailbox, Message-ID) or, without one, the raw hash.
    The raw message is kept: nothing acknowledged is lost."""

    mailbox = models.CharField(max_length=200)
    dedupe_key = models.CharField(max_length=600)  # Message-ID, else "sha256:<hex>"
    message_id = models.CharField(max_length=500, blank=True)
    sender = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    raw = models.BinaryField()
    outcome = models.CharField(max_length=20)  # ticket, reply, ignored_auto, ignored_bounce, error
    detail = models.CharField(max_length=500, blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "dedupe_key"], name="tickets_inbound_email_once")
        ]

    def __str__(self) -> str:
        return f"{self.mailbox}: {self.subject}"


class MailboxCheckpoint(models.Model):
    """IMAP polling position, saved in the same transaction as the ticket made from the message."""

    mailbox = models.CharField(max_length=200, unique=True)
    uidvalidity = models.BigIntegerField()
    last_uid = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("mailbox checkpoint")
        verbose_name_plural = _("mailbox checkpoints")

    def __str__(self) -> str:
        return f"{self.mailbox} {self.uidvalidity}/{self.last_uid}"


class AutoReply(models.Model):
    """At most one automatic acknowledgement per thread, address and day (RFC 3834)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    address = models.CharField(max_length=320)
    day = models.DateField()

    class Meta:
        verbose_name = _("automatic reply")
        verbose_name_plural = _("automatic replies")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "address", "day"], name="tickets_autoreply_once")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.address} {self.day}"


class IntakeCounter(models.Model):
    """How many times an intake outcome happened per channel (unknown agent, duplicate, malformed...)."""

    channel = models.CharField(max_length=16)
    reason = models.CharField(max_length=40)
    count = models.PositiveBigIntegerField(default=0)
    last_at = models.DateTimeField()
    last_detail = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("intake counter")
        verbose_name_plural = _("intake counters")
        constraints = [models.UniqueConstraint(fields=["channel", "reason"], name="tickets_counter_once")]

    def __str__(self) -> str:
        return f"{self.channel}.{self.reason}={self.count}"


class IntakeEpisode(models.Model):
    """Identical machine alerts (e.g. SNMP traps with one fingerprint) within a window: one ticket."""

    channel = models.CharField(max_length=16)
    fingerprint = models.CharField(max_length=200)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("intake episode")
        verbose_name_plural = _("intake episodes")
        indexes = [models.Index(fields=["channel", "fingerprint", "last_at"], name="tickets_episode_idx")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.fingerprint} x{self.count}"
