"""Software bug hand-off: a ticket marked as a bug becomes an issue in the bug tracker, its link is kept on
the ticket, and the customer hears when the fix is released.

- ``report_bug`` queues a webhook through the notifications outbox (same transaction as the ticket
  change: ``bug_state`` "requested") to ``settings.TICKETS_BUG_TRACKER``:
  ``{"kind": "generic" | "github", "url": ..., "token": ... (optional), "labels": [...] (optional)}``.
  Generic: a JSON body ``{ticket, title, description, priority, customer, object, link}``. GitHub: the
  REST "create an issue" call (``POST https://api.github.com/repos/<owner>/<repo>/issues`` with
  ``{"title", "body", "labels"}``, ``Accept: application/vnd.github+json``, ``Authorization: Bearer``,
  ``X-GitHub-Api-Version``). The outbox never follows redirects.
- ``store_issue_links`` (worker, ``tickets.tasks.tick``) reads the delivered calls
  (``queries.delivered_webhooks(PURPOSE)``) and stores the created issue's URL (GitHub ``html_url``,
  generic ``url``) on the ticket (``bug_state`` "open"), once per call (``mark_webhook_handled`` in the
  same transaction).
- ``tracker_event`` handles what the tracker posts to ``/api/v1/bug-tracker/events`` (signed with
  ``settings.TICKETS_BUG_WEBHOOK_SECRET``, checked by ``signature_ok``): generic
  ``{"issue_url", "state": "released"}``, GitHub ``issues`` (closed as completed) and ``release``
  (published; its body names the issue by URL or ``#<number>``). The tickets with that issue go to
  ``bug_state`` "fixed", get an Event, and their customer is notified (``notify.customer`` "bug_fixed").
  An issue no ticket has is counted (``IntakeCounter`` bug_tracker/unknown_issue) and nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from tournevis.core import audit, clock
from tournevis.core.actor import Actor
from tournevis.core.errors import Conflict, DomainError, InvalidInput, gettext_noop
from tournevis.notifications import queries as outbox_queries
from tournevis.notifications import services as outbox
from tournevis.tickets import notify, services
from tournevis.tickets.models import Ticket

logger = logging.getLogger(__name__)
PURPOSE = "ticket.bug"
ACTOR = Actor.system("bug-tracker")
GITHUB_API_VERSION = "2022-11-28"
REQUESTED, OPEN, FIXED = "requested", "open", "fixed"
SNAPSHOT = (
    "status",
    "priority",
    "category",
    "queue",
    "assignee",
    "is_bug",
    "bug_state",
    "bug_url",
    "version",
)


# --- Configuration --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tracker:
    kind: str  # generic, github
    url: str
    token: str = ""
    labels: tuple[str, ...] = ("bug",)


def tracker() -> Tracker:
    """``settings.TICKETS_BUG_TRACKER``; Conflict (409) when it is missing or unusable."""
    config = getattr(settings, "TICKETS_BUG_TRACKER", None) or {}
    kind, url = config.get("kind"), config.get("url") or ""
    parts = urlsplit(url)
    if kind not in ("generic", "github") or parts.scheme not in ("http", "https") or not parts.hostname:
        raise Conflict(
            gettext_noop("No bug tracker is configured (TICKETS_BUG_TRACKER needs a kind and a URL)."),
            field="is_bug",
        )
    labels = config.get("labels", ["bug"])
    return Tracker(kind, url, str(config.get("token") or ""), tuple(str(label) for label in labels))


def ticket_link(ticket: Ticket) -> str:
    base = str(getattr(settings, "TOURNEVIS_BASE_URL", "") or "http://localhost:8000").rstrip("/")
    return f"{base}/tickets/{ticket.pk}/"


def subject_ref(ticket: Ticket) -> str:
    return f"ticket:{ticket.number}"


# --- Outbound: the issue --------------------------------------------------------------------------


def _object(ticket: Ticket) -> dict[str, Any] | None:
    obj = ticket.service_object
    if obj is None:
        return None
    return {"id": obj.pk, "name": obj.name, "serial_number": obj.serial_number or ""}


def request_body(ticket: Ticket, kind: str, summary: str, labels: tuple[str, ...] = ("bug",)) -> Any:
    """The JSON body sent to the tracker for ``ticket``."""
    description = summary or ticket.description or ticket.title
    customer = ticket.customer.name if ticket.customer is not None else ""
    obj = _object(ticket)
    link = ticket_link(ticket)
    if kind == "github":
        lines = [
            description,
            "",
            f"- Ticket: [{ticket.number}]({link})",
            f"- Priority: {ticket.priority}",
            f"- Customer: {customer or '-'}",
        ]
        if obj is not None:
            serial = f" (S/N {obj['serial_number']})" if obj["serial_number"] else ""
            lines.append(f"- Object: {obj['name']}{serial}")
        return {
            "title": f"[{ticket.number}] {ticket.title}",
            "body": "\n".join(lines),
            "labels": list(labels),
        }
    return {
        "ticket": ticket.number,
        "title": ticket.title,
        "description": description,
        "priority": ticket.priority,
        "customer": customer,
        "object": obj,
        "link": link,
    }


def request_headers(config: Tracker) -> dict[str, str]:
    headers: dict[str, str] = {}
    if config.kind == "github":
        headers["Accept"] = "application/vnd.github+json"
        headers["X-GitHub-Api-Version"] = GITHUB_API_VERSION
    if config.token:
        headers["Authorization"] = f"Bearer {config.token}"
    return headers


def _save(actor: Actor, ticket: Ticket, before: dict[str, Any], action: str, at: datetime) -> Ticket:
    """``services.save_ticket`` with the bug fields in the audit snapshot."""
    ticket.version += 1
    ticket.updated_at = at
    ticket.save()
    audit.record(actor, action, ticket, before=before, after=audit.snapshot(ticket, SNAPSHOT))
    return ticket


@transaction.atomic
def report_bug(actor: Actor, ticket_id: int, *, summary: str = "", at: datetime | None = None) -> Ticket:
    """Mark the ticket as a software bug and queue the issue for the tracker (``bug_state`` requested).

    Refused (409) while an issue is requested (its call still pending or delivered) or open; a call that
    finally failed may be retried, and a fixed bug may be reported again (a regression)."""
    at = at or clock.now()
    summary = (summary or "").strip()
    if len(summary) > 10_000:
        raise InvalidInput(gettext_noop("At most %(max)s characters."), field="summary", max=10_000)
    config = tracker()
    ticket = services.lock_ticket(ticket_id)
    if ticket.bug_state == OPEN:
        raise Conflict(
            gettext_noop("Ticket %(number)s already has an issue: %(url)s."),
            field="is_bug",
            number=ticket.number,
            url=ticket.bug_url,
        )
    if ticket.bug_state == REQUESTED and any(
        item.purpose == PURPOSE and item.status in ("pending", "sent")
        for item in outbox_queries.outbox_for(subject_ref(ticket))
    ):
        raise Conflict(
            gettext_noop("An issue for ticket %(number)s is already requested."),
            field="is_bug",
            number=ticket.number,
        )
    before = audit.snapshot(ticket, SNAPSHOT)
    hook = outbox.queue_webhook(
        actor,
        url=config.url,
        body=request_body(ticket, config.kind, summary, config.labels),
        purpose=PURPOSE,
        headers=request_headers(config),
        subject_ref=subject_ref(ticket),
    )
    ticket.is_bug = True
    ticket.bug_state = REQUESTED
    ticket.bug_url = ""
    services.event(ticket, "bug", actor, at, state=REQUESTED, tracker=config.kind, webhook=hook.pk)
    return _save(actor, ticket, before, "ticket.bug_request", at)


def _issue_url(answer: Any) -> str:
    if not isinstance(answer, dict):
        return ""
    for key in ("html_url", "url"):  # GitHub answers both: html_url is the page, url the API
        value = answer.get(key)
        if isinstance(value, str) and len(value) <= 500:
            parts = urlsplit(value)
            if parts.scheme in ("http", "https") and parts.hostname:
                return value
    return ""


def store_issue_links(now: datetime) -> dict[str, int]:
    """Store the issue link of every delivered, unhandled tracker call (each exactly once)."""
    stored = unreadable = 0
    for hook in outbox_queries.delivered_webhooks(PURPOSE, unhandled=True):
        with transaction.atomic():
            if not outbox.mark_webhook_handled(hook.id):
                continue  # another worker took it
            number = hook.subject_ref.removeprefix("ticket:")
            ticket_id = Ticket.objects.filter(number=number).values_list("pk", flat=True).first()
            if ticket_id is None:
                logger.warning("bug tracker answer %s names no ticket (%s)", hook.id, hook.subject_ref)
                continue
            try:
                ticket = services.lock_ticket(ticket_id)
            except DomainError:  # merged since: the surviving ticket has the thread, not this issue
                logger.warning("bug tracker answer %s: ticket %s was merged", hook.id, number)
                continue
            url = _issue_url(hook.json())
            before = audit.snapshot(ticket, SNAPSHOT)
            if not url:
                unreadable += 1
                logger.error("bug tracker answer %s for %s has no issue URL", hook.id, number)
                services.event(
                    ticket, "bug", ACTOR, now, state="no_link", webhook=hook.id, status=hook.status
                )
                continue
            ticket.bug_url = url
            if ticket.bug_state == REQUESTED:
                ticket.bug_state = OPEN
            services.event(ticket, "bug", ACTOR, now, state=ticket.bug_state, url=url, webhook=hook.id)
            _save(ACTOR, ticket, before, "ticket.bug_open", now)
            stored += 1
    return {"bug_links_stored": stored, "bug_answers_unreadable": unreadable}


# --- Inbound: the tracker's events ----------------------------------------------------------------


def signature_ok(body: bytes, signature: str) -> bool:
    """``signature`` is the hex HMAC-SHA256 of ``body`` with ``TICKETS_BUG_WEBHOOK_SECRET``, bare or as
    ``sha256=<hex>`` (GitHub's form). No secret configured: nothing is accepted."""
    secret = str(getattr(settings, "TICKETS_BUG_WEBHOOK_SECRET", "") or "")
    if not secret or not signature:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().removeprefix("sha256=").lower())


@dataclass
class TrackerEvent:
    """What a tracker's call said: the issues whose fix is released, and the link to tell customers."""

    released: list[str] = field(default_factory=list)  # issue URLs
    link: str = ""  # the release page, else the issue
    ignored: str = ""  # why nothing is to be done


@dataclass(frozen=True)
class Outcome:
    status: int  # 200 done, 202 accepted with nothing done
    outcome: str  # fixed, already_fixed, unknown_issue, ignored
    tickets: list[str]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_event(payload: Any, event: str = "") -> TrackerEvent:
    """Read a generic or GitHub (``issues``, ``release``) payload; InvalidInput naming the field."""
    if not isinstance(payload, dict):
        raise InvalidInput(gettext_noop("The body must be a JSON object."), field="body")
    if event == "ping" or "zen" in payload:
        return TrackerEvent(ignored="ping")
    if event == "release" or (not event and isinstance(payload.get("release"), dict)):
        return _github_release(payload)
    if event == "issues" or (not event and isinstance(payload.get("issue"), dict)):
        return _github_issue(payload)
    url = _text(payload.get("issue_url"))
    if not url:
        raise InvalidInput(gettext_noop("This field is required."), field="issue_url")
    state = _text(payload.get("state"))
    if not state:
        raise InvalidInput(gettext_noop("This field is required."), field="state")
    if state != "released":
        return TrackerEvent(ignored=f"state {state}"[:100])
    return TrackerEvent(released=[url], link=_text(payload.get("release_url")) or url)


def _github_issue(payload: dict[str, Any]) -> TrackerEvent:
    issue = payload.get("issue")
    if not isinstance(issue, dict) or not _text(issue.get("html_url")):
        raise InvalidInput(gettext_noop("This field is required."), field="issue.html_url")
    if payload.get("action") != "closed" or issue.get("state_reason") == "not_planned":
        return TrackerEvent(
            ignored=f"issue {payload.get('action')} {issue.get('state_reason') or ''}".strip()
        )
    url = _text(issue["html_url"])
    return TrackerEvent(released=[url], link=url)


_MENTION = re.compile(r"(?<![\w/])#(\d+)\b")


def _github_release(payload: dict[str, Any]) -> TrackerEvent:
    release = payload.get("release")
    if not isinstance(release, dict):
        raise InvalidInput(gettext_noop("This field is required."), field="release")
    if (
        payload.get("action") not in ("published", "released")
        or release.get("draft")
        or release.get("prerelease")
    ):
        return TrackerEvent(ignored=f"release {payload.get('action')}")
    body = _text(release.get("body"))
    repository = payload.get("repository") if isinstance(payload.get("repository"), dict) else {}
    repo_url = _text(repository.get("html_url")).rstrip("/")  # type: ignore[union-attr]
    mentioned = set(re.findall(r"https?://[^\s)\]>\"']+/issues/\d+", body))
    if repo_url:
        mentioned |= {f"{repo_url}/issues/{n}" for n in _MENTION.findall(body)}
    return TrackerEvent(released=sorted(mentioned), link=_text(release.get("html_url")))


def tracker_event(payload: Any, *, event: str = "", at: datetime | None = None) -> Outcome:
    """Apply a tracker's event: each ticket whose issue is released goes to ``fixed`` once, with an
    Event, an audit record and the customer's notification, in one transaction."""
    at = at or clock.now()
    parsed = parse_event(payload, event)
    if parsed.ignored:
        return Outcome(202, "ignored", [])
    if not parsed.released:
        return Outcome(202, "ignored", [])
    with transaction.atomic():
        ids = list(
            Ticket.objects.filter(bug_url__in=parsed.released, merged_into__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            services.count_intake("bug_tracker", "unknown_issue", ", ".join(parsed.released))
            return Outcome(202, "unknown_issue", [])
        fixed: list[str] = []
        for ticket_id in ids:  # in id order: no deadlock with another event naming the same tickets
            ticket = services.lock_ticket(ticket_id)
            if ticket.bug_state == FIXED:
                continue
            before = audit.snapshot(ticket, SNAPSHOT)
            ticket.bug_state = FIXED
            link = parsed.link or ticket.bug_url
            services.event(ticket, "bug", ACTOR, at, state=FIXED, url=ticket.bug_url, link=link)
            _save(ACTOR, ticket, before, "ticket.bug_fixed", at)
            notify.customer(ticket, "bug_fixed", at=at, link=link)
            fixed.append(ticket.number)
    return Outcome(200, "fixed" if fixed else "already_fixed", fixed)
