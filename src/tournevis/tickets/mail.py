"""Parsing of inbound e-mail (stdlib ``email``), no database: what the intake needs from a raw message.

``parse(raw)`` never raises on bad input. The structure is read with ``email.policy.default`` and,
when that policy chokes on a broken message, again with ``compat32``; headers are decoded from their
raw bytes (RFC 2047 encoded words, undeclared 8-bit) and every text is decoded through a fallback
chain of charsets (the declared one when it fits the bytes, UTF-8, windows-1252), so a legacy or
mislabelled message comes out readable instead of raising ``UnicodeDecodeError``.

Loop signals (RFC 3834 and friends): ``auto_submitted`` (Auto-Submitted other than "no",
X-Autoreply, X-Autorespond, Precedence auto_reply), ``bulk`` (Precedence bulk/junk/list, List-Id,
List-Unsubscribe) and ``bounce`` (a delivery-status report, an empty Return-Path ``<>``, a
MAILER-DAEMON or postmaster sender). The intake makes no ticket and sends no reply for any of them.
"""

from __future__ import annotations

import codecs
import email
import email.header
import email.message
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any

import nh3

from tournevis.tickets.domain import reference_in

MAX_ID = 500  # InboundEmail.message_id / Message.email_message_id


@dataclass(frozen=True)
class MailPart:
    """An attachment or inline image as it came in (not yet size-checked nor re-encoded)."""

    filename: str
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str = ""


@dataclass(frozen=True)
class ParsedEmail:
    sender: str  # the From address, lower-cased ("" when none could be read)
    sender_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    reply_to: str
    return_path: str | None  # None: no Return-Path header; "": the null path <>
    subject: str
    message_id: str  # without angle brackets
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    date: datetime | None
    text: str
    html: str  # sanitised
    attachments: tuple[MailPart, ...]
    defects: tuple[str, ...]
    auto_submitted: bool
    bulk: bool
    bounce: bool
    dedupe_key: str
    sha256: str = field(repr=False, default="")

    @property
    def reference(self) -> str | None:
        """The ticket number quoted in the subject (``[T-2026-000042]``), if any."""
        return reference_in(self.subject)

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this mail answers, nearest first (In-Reply-To, then References newest first)."""
        seen: list[str] = []
        for mid in (*self.in_reply_to, *reversed(self.references)):
            if mid not in seen:
                seen.append(mid)
        return tuple(seen)

    @property
    def loop_signal(self) -> str | None:
        """Why no ticket and no reply: "bounce", "auto_submitted", "bulk", or None."""
        if self.bounce:
            return "bounce"
        if self.auto_submitted:
            return "auto_submitted"
        if self.bulk:
            return "bulk"
        return None


# --- Charsets -------------------------------------------------------------------------------------

_LATIN = {"iso8859-1", "latin-1", "ascii", "cp1252", "iso8859-15"}
_C1 = re.compile(rb"[\x80-\x9f]")


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    if name in ("unknown-8bit", "x-unknown", "unknown", "8bit", "x-user-defined"):
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Text from bytes, never raising: the declared charset when the bytes fit it (ISO-8859-1 read as
    windows-1252 as browsers do, a Latin label on valid non-ASCII UTF-8 read as UTF-8), then UTF-8,
    then windows-1252, then Latin-1 (which decodes anything)."""
    declared = _codec(charset)
    chain: list[str] = []
    if declared in _LATIN and not data.isascii():
        try:
            data.decode("utf-8")
            chain.append("utf-8")  # mislabelled: UTF-8 multibyte sequences are not real Latin-1 text
        except UnicodeDecodeError:
            pass
    if declared == "iso8859-1" and _C1.search(data):
        declared = "cp1252"
    if declared:
        chain.append(declared)
    chain += ["utf-8", "cp1252"]
    for name in chain:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")


def _raw_bytes(value: str) -> bytes:
    """The header's bytes as received (the parser keeps undeclared 8-bit as surrogate escapes)."""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogateescape")


def decode_header_text(value: str | email.header.Header | None) -> str:
    """A header's text: undeclared 8-bit decoded by the chain, RFC 2047 words decoded, unfolded."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        value = str(value)
    text = decode_bytes(_raw_bytes(value))
    text = re.sub(r"\r?\n[ \t]*", " ", text)
    if "=?" not in text:
        return text.strip()
    try:
        pieces = email.header.decode_header(text)
    except Exception:
        return text.strip()
    out = []
    for chunk, charset in pieces:
        out.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return "".join(out).strip()


# --- Headers ----------------------------------------------------------------------------------------


def _raw_headers(msg: email.message.Message) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        headers.setdefault(name.lower(), []).append(value if isinstance(value, str) else str(value))
    return headers


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _addresses(values: list[str] | None) -> list[tuple[str, str]]:
    """(display name, address lower-cased) pairs; display names RFC 2047 decoded."""
    if not values:
        return []
    raw = [decode_bytes(_raw_bytes(v)).replace("\r", "").replace("\n", " ") for v in values]
    try:
        pairs = email.utils.getaddresses(raw)
    except Exception:
        return []
    found = []
    for name, address in pairs:
        address = address.strip().strip("<>").strip()
        if "@" not in address and address.lower() not in ("mailer-daemon", "postmaster"):
            continue
        found.append((decode_header_text(name), address.lower()[:320]))
    return found


_ID = re.compile(r"<([^<>\s]+)>")


def _ids(value: str | None) -> list[str]:
    if not value:
        return []
    text = decode_bytes(_raw_bytes(value))
    found = _ID.findall(text)
    if not found:  # some clients omit the brackets
        found = [t for t in re.split(r"[\s,]+", text) if "@" in t]
    return [i[:MAX_ID] for i in found]


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(decode_bytes(_raw_bytes(value)).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# --- Bodies ----------------------------------------------------------------------------------------

_BLOCK = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "hr", "section", "article", "header", "footer", "address", "dt", "dd",
}  # fmt: skip
_SKIP = {"script", "style", "head", "title", "template", "noscript"}


class _TextMaker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.href: list[str | None] = []
        self.link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))
            self.link_text.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK and tag != "li":
            self.parts.append("\n")
        elif tag == "a" and self.href:
            href, text = self.href.pop(), self.link_text.pop()
            if href and href.startswith(("http://", "https://")) and href.strip() != text.strip():
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        data = re.sub(r"\s+", " ", data)
        self.parts.append(data)
        if self.link_text:
            self.link_text[-1] += data


def html_to_text(html: str) -> str:
    """Readable plain text from an HTML body: paragraphs and line breaks kept, scripts dropped."""
    maker = _TextMaker()
    try:
        maker.feed(html)
        maker.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", unescape(html)).strip()
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in "".join(maker.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl", "dt", "em", "font",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "q", "s", "small",
    "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.strip().lower().startswith("cid:"):
        return None  # no remote images (trackers): only the message's own inline parts
    return value


def sanitise_html(html: str) -> str:
    """The HTML with an allow-list of tags and attributes (nh3): no scripts, no styles, no event
    handlers, no remote images (``<img>`` keeps only ``cid:`` sources), links get rel=noopener."""
    if not html.strip():
        return ""
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style", "title", "head"},
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


def _payload(part: email.message.Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return _raw_bytes(raw) if isinstance(raw, str) else b""


def _charset(part: email.message.Message) -> str | None:
    try:
        value = part.get_param("charset")
    except Exception:
        return None
    if isinstance(value, tuple):  # RFC 2231 form
        value = value[2]
    return str(value) if value else None


def _filename(part: email.message.Message) -> str:
    name: Any
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        try:
            name = part.get_param("name")
        except Exception:
            name = None
        if isinstance(name, tuple):
            name = email.utils.collapse_rfc2231_value(name)
    return decode_header_text(str(name)) if name else ""


def _disposition(part: email.message.Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _content_type(part: email.message.Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "text/calendar": ".ics",
    "text/rfc822-headers": ".txt",
}


class _Collector:
    def __init__(self) -> None:
        self.plain: list[str] = []
        self.html: list[str] = []
        self.parts: list[MailPart] = []
        self.delivery_status = False

    def attach(self, part: email.message.Message, ctype: str, inline: bool) -> None:
        cid = decode_header_text(str(part.get("Content-ID") or "")).strip("<> ")
        if ctype.startswith("message/"):
            inner: Any = part.get_payload()
            try:
                if isinstance(inner, list):
                    content = b"\n".join(block.as_bytes() for block in inner)
                else:
                    content = _payload(part)
            except Exception:
                content = _raw_bytes(str(inner))
            name = _filename(part) or ("message.eml" if ctype == "message/rfc822" else "report.txt")
        else:
            content = _payload(part)
            name = _filename(part) or f"attachment-{len(self.parts) + 1}{_EXTENSIONS.get(ctype, '')}"
        self.parts.append(MailPart(name[:255], ctype, content, inline, cid[:200]))

    def walk(self, part: email.message.Message, alternative: bool = False, depth: int = 0) -> None:
        ctype = _content_type(part)
        if depth > 20:
            return
        if ctype.startswith("message/"):  # forwarded mail, delivery report: kept whole as a file
            self.delivery_status = self.delivery_status or ctype == "message/delivery-status"
            self.attach(part, ctype, False)
            return
        if part.is_multipart():
            children: Any = part.get_payload()
            if not isinstance(children, list):
                return
            if ctype == "multipart/report":
                subtype = (part.get_param("report-type") or "").__str__().lower()
                self.delivery_status = self.delivery_status or subtype == "delivery-status"
            if ctype == "multipart/alternative":
                self._alternative(children, depth)
                return
            for child in children:
                self.walk(child, alternative, depth + 1)
            return
        disposition = _disposition(part)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not _filename(part):
            text = decode_bytes(_payload(part), _charset(part))
            (self.plain if ctype == "text/plain" else self.html).append(text)
            return
        inline = disposition == "inline" or (disposition is None and bool(part.get("Content-ID")))
        self.attach(part, ctype, inline and ctype.startswith("image/"))

    def _alternative(self, children: list[email.message.Message], depth: int) -> None:
        """One text and one HTML rendering (the richest of each); other parts are walked for images."""
        plain: list[str] = []
        html: list[str] = []
        for child in children:
            ctype = _content_type(child)
            if ctype == "text/plain" and _disposition(child) != "attachment":
                plain = [decode_bytes(_payload(child), _charset(child))]
            elif ctype == "text/html" and _disposition(child) != "attachment":
                html = [decode_bytes(_payload(child), _charset(child))]
            elif child.is_multipart():  # multipart/related: HTML with its inline images
                sub = _Collector()
                sub.walk(child, True, depth + 1)
                html = sub.html or html
                plain = sub.plain or plain
                self.parts += sub.parts
            else:
                self.attach(child, ctype, False)
        self.plain += plain
        self.html += html


def _collect(msg: email.message.Message) -> _Collector:
    collector = _Collector()
    collector.walk(msg)
    return collector


def _defects(msg: email.message.Message) -> list[str]:
    found = []
    for part in msg.walk():
        for defect in getattr(part, "defects", []):
            found.append(type(defect).__name__)
    return found


def _strip_id(value: str | None) -> str:
    ids = _ids(value)
    return ids[0] if ids else ""


def parse(raw: bytes) -> ParsedEmail:
    """Everything the intake needs from a raw RFC 5322 message. Never raises on a malformed one: the
    problems are listed in ``defects``."""
    digest = hashlib.sha256(raw).hexdigest()
    defects: list[str] = []
    try:
        msg: email.message.Message = email.message_from_bytes(raw, policy=email.policy.default)
        collector = _collect(msg)
    except Exception as exc:
        defects.append(f"policy.default: {type(exc).__name__}")
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        try:
            collector = _collect(msg)
        except Exception as exc2:
            defects.append(f"compat32: {type(exc2).__name__}")
            collector = _Collector()
            collector.plain.append(decode_bytes(raw.partition(b"\n\n")[2] or raw))
    defects += _defects(msg)
    headers = _raw_headers(msg)

    sender_name, sender = "", ""
    for source in ("from", "sender"):
        found = _addresses(headers.get(source))
        if found:
            sender_name, sender = found[0]
            break
    return_path: str | None = None
    if "return-path" in headers:
        return_path = (_strip_id(_first(headers, "return-path")) or "").lower()
        if not return_path:
            text = decode_bytes(_raw_bytes(_first(headers, "return-path") or "")).strip().strip("<>").strip()
            return_path = text.lower()
    message_id = _strip_id(_first(headers, "message-id"))
    html_raw = "\n".join(collector.html)
    text = "\n\n".join(t.strip("\r\n") for t in collector.plain if t.strip())
    if not text and html_raw:
        text = html_to_text(html_raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")

    def values(name: str) -> str:
        return decode_header_text(_first(headers, name) or "").lower()

    auto = values("auto-submitted").split(";")[0].strip()
    precedence = values("precedence")
    local = sender.split("@")[0] if sender else ""
    return ParsedEmail(
        sender=sender,
        sender_name=sender_name[:200],
        to=tuple(a for _n, a in _addresses(headers.get("to"))),
        cc=tuple(a for _n, a in _addresses(headers.get("cc"))),
        reply_to=next((a for _n, a in _addresses(headers.get("reply-to"))), ""),
        return_path=return_path,
        subject=decode_header_text(_first(headers, "subject"))[:500],
        message_id=message_id,
        in_reply_to=tuple(_ids(_first(headers, "in-reply-to"))),
        references=tuple(i for v in headers.get("references", []) for i in _ids(v)),
        date=_date(_first(headers, "date")),
        text=text,
        html=sanitise_html(html_raw.replace("\x00", "")),
        attachments=tuple(collector.parts),
        defects=tuple(defects),
        auto_submitted=bool(auto and auto != "no")
        or "x-autoreply" in headers
        or "x-autorespond" in headers
        or precedence == "auto_reply",
        bulk=precedence in ("bulk", "junk", "list") or "list-id" in headers or "list-unsubscribe" in headers,
        bounce=collector.delivery_status
        or return_path == ""
        or local in ("mailer-daemon", "postmaster")
        or sender in ("mailer-daemon", "postmaster"),
        dedupe_key=message_id if message_id else f"sha256:{digest}",
        sha256=digest,
    )
