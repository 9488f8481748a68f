"""tickets.mail.parse on real-world-shaped MIME (tests/tickets/fixtures/mail/*.eml): no database."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tournevis.tickets import mail

FIXTURES = Path(__file__).parent / "fixtures" / "mail"


def load(name: str) -> mail.ParsedEmail:
    return mail.parse((FIXTURES / name).read_bytes())


def test_multipart_alternative_in_french_prefers_the_text_part_and_decodes_every_header():
    e = load("alternative_fr.eml")
    assert (e.sender, e.sender_name) == ("c@alpha.example", "Hélène Lefèvre")
    assert e.to == ("support@tournevis.example",)
    assert e.cc == ("tech@alpha.example",)
    assert e.subject == "La compteuse bloque sur les billets de 50 € à l'accueil"
    assert e.message_id == "5b1c2f9e-1111-4a3e-9d7a-alpha@alpha.example"
    assert e.dedupe_key == e.message_id
    assert e.date == datetime(2026, 3, 9, 8, 58, 10, tzinfo=UTC)
    assert e.return_path == "c@alpha.example"
    assert e.text == (
        "Bonjour,\n\nLa compteuse de l'accueil se bloque dès qu'on insère des billets de 50 €.\n"
        "Numéro de série : ALPHA-0001.\n\nCordialement,\nHélène"
    )
    assert e.html == (
        "<p>Bonjour,</p><p>La compteuse de l'accueil se bloque dès qu'on insère des "
        "<b>billets de 50 €</b>.<br>\nNuméro de série : ALPHA-0001.</p><p>Cordialement,<br>Hélène</p>"
    )
    assert (e.attachments, e.defects, e.loop_signal, e.reference) == ((), (), None, None)


def test_html_only_mail_becomes_readable_text_and_the_html_is_sanitised():
    e = load("html_only_inline.eml")
    assert e.text == (
        "L'imprimante du 2ème étage affiche « Erreur 50.4 ».\n\n"
        "- Redémarrage fait\n- Câble vérifié\n\n"
        "Voir la doc (https://beta.example/doc) et ceci."
    )
    for banned in (
        "<script",
        "alert(",
        "<style",
        "color:red",
        "onload",
        "onclick",
        "tracker.example",
        "javascript:",
    ):
        assert banned not in e.html
    assert '<img src="cid:image001.png@01DA7C2B.5E1F3A40" alt="photo">' in e.html
    assert '<a href="https://beta.example/doc" rel="noopener noreferrer nofollow">la doc</a>' in e.html
    [image] = e.attachments
    assert (image.filename, image.content_type, image.inline, image.content_id) == (
        "image001.png",
        "image/png",
        True,
        "image001.png@01DA7C2B.5E1F3A40",
    )
    assert image.content.startswith(b"\x89PNG\r\n")


def test_attachments_keep_rfc2231_french_names_and_bytes():
    e = load("attachments.eml")
    assert (e.sender_name, e.subject) == ("François Dupré", "Rapport et photo de la panne")
    assert e.text == "Ci-joint le relevé et une photo du module défectueux."
    assert [(a.filename, a.content_type, len(a.content), a.inline) for a in e.attachments] == [
        ("Relevé d'intervention.pdf", "application/pdf", 82, False),
        ("IMG_0042.jpg", "image/jpeg", 709, True),
    ]
    assert e.attachments[0].content.startswith(b"%PDF-1.4")
    assert b"EOS 5D SERIAL" in e.attachments[1].content  # EXIF still here: prepare() strips it later


@pytest.mark.parametrize(
    ("name", "sender_name", "subject", "text"),
    [
        (
            "latin1.eml",
            "José Martin",  # raw 8-bit Latin-1 in the From header
            "Problème de démarrage après coupure",
            "Bonjour,\n\nAprès la coupure de courant, la machine ne redémarre plus.\n"
            "L'écran reste noir. Merci de prévoir une intervention.\n\nJosé",
        ),
        (
            "windows1252.eml",
            "Accueil",
            "Devis €",
            "L\u2019\u0153uvre co\u00fbte 120 \u20ac \u2013 c\u2019est \u201curgent\u201d.",
        ),
        (
            "wrong_charset.eml",
            "Noemie",
            "Wrong charset",
            "Noémie a réinitialisé le contrôleur ; ça n'a rien changé.",
        ),
        (
            "undeclared_8bit.eml",
            "Zoé Garçon",
            "Écran gelé après mise à jour",
            "L'écran est gelé depuis la mise à jour. Où en êtes-vous ?",
        ),
        ("unknown_charset.eml", "", "Qaplaé", "Café crème"),
    ],
)
def test_legacy_broken_and_undeclared_charsets_decode_with_accents(name, sender_name, subject, text):
    e = load(name)
    assert (e.sender_name, e.subject, e.text) == (sender_name, subject, text)


def test_malformed_mime_is_read_as_far_as_possible_with_its_defects():
    e = load("malformed.eml")
    assert (e.sender, e.subject, e.text) == (
        "broken@alpha.example",
        "Machine en panne",
        "La machine est en panne.",
    )
    assert e.defects == ("CloseBoundaryNotFoundDefect", "InvalidBase64CharactersDefect")
    assert [(a.filename, a.content) for a in e.attachments] == [("dump.bin", b"\x00\x01\x02\x03\x04")]
    raw = (FIXTURES / "malformed.eml").read_bytes()
    import hashlib

    assert e.message_id == ""
    assert e.dedupe_key == "sha256:" + hashlib.sha256(raw).hexdigest()


def test_binary_junk_parses_to_a_message_without_sender():
    e = load("garbage.eml")
    assert (e.sender, e.subject, e.message_id) == ("", "", "")
    assert e.defects == ("MissingHeaderBodySeparatorDefect",)
    assert "\x00" not in e.text


def test_loop_signals():
    auto, bounce, news, reply = (
        load(n) for n in ("auto_reply.eml", "bounce.eml", "newsletter.eml", "reply.eml")
    )
    assert (auto.auto_submitted, auto.bulk, auto.bounce, auto.loop_signal) == (
        True,
        False,
        False,
        "auto_submitted",
    )
    assert auto.reference == "T-2026-000001"
    assert (bounce.bounce, bounce.return_path, bounce.sender, bounce.loop_signal) == (
        True,
        "",
        "mailer-daemon@mx.alpha.example",
        "bounce",
    )
    assert [(a.filename, a.content_type) for a in bounce.attachments] == [
        ("report.txt", "message/delivery-status"),
        ("attachment-2.txt", "text/rfc822-headers"),
    ]
    assert (news.bulk, news.auto_submitted, news.loop_signal) == (True, False, "bulk")
    assert (reply.loop_signal, reply.reference) == (None, "T-2026-000001")
    assert reply.in_reply_to == ("ack-1@tournevis.example",)
    assert reply.references == ("5b1c2f9e-1111-4a3e-9d7a-alpha@alpha.example", "ack-1@tournevis.example")
    assert reply.thread_ids == ("ack-1@tournevis.example", "5b1c2f9e-1111-4a3e-9d7a-alpha@alpha.example")


def compose(**headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "someone@alpha.example")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Bonjour")
    return msg.as_bytes()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Auto_Submitted": "no"}, None),
        ({"Auto_Submitted": "auto-generated; owner-email=x@y.example"}, "auto_submitted"),
        ({"X_Autoreply": "yes"}, "auto_submitted"),
        ({"X_Autorespond": "Out of office"}, "auto_submitted"),
        ({"Precedence": "junk"}, "bulk"),
        ({"Precedence": "list"}, "bulk"),
        ({"List_Unsubscribe": "<mailto:u@list.example>"}, "bulk"),
        ({"From": "postmaster@alpha.example"}, "bounce"),
        ({"From": "MAILER-DAEMON"}, "bounce"),
        ({"Return_Path": "<>"}, "bounce"),
        ({"Return_Path": "<c@alpha.example>"}, None),
    ],
)
def test_each_loop_header(headers, expected):
    assert mail.parse(compose(**headers)).loop_signal == expected


def test_message_id_missing_falls_back_to_the_raw_hash_and_base64_utf8_subject():
    raw = (
        b"From: a@alpha.example\nSubject: =?utf-8?B?"
        + base64.b64encode("Panne générale".encode())
        + b"?=\n\nx\n"
    )
    e = mail.parse(raw)
    assert e.subject == "Panne générale"
    assert e.dedupe_key.startswith("sha256:") and len(e.dedupe_key) == 71


def test_decode_bytes_fallback_chain():
    assert mail.decode_bytes("é".encode(), "iso-8859-1") == "é"  # mislabelled UTF-8
    assert mail.decode_bytes(b"\xe9t\xe9", "utf-8") == "été"  # labelled UTF-8, really Latin-1
    assert mail.decode_bytes(b"\x80", "iso-8859-1") == "€"  # ISO-8859-1 label, windows-1252 bytes
    assert mail.decode_bytes(b"\x81\x8d", None) == "\x81\x8d"  # undefined in cp1252: Latin-1 at last
    assert mail.decode_bytes(b"caf\xe9", "x-unknown-charset") == "café"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_parse_never_raises_on_arbitrary_bytes(raw):
    e = mail.parse(raw)
    assert e.dedupe_key
    assert "\x00" not in e.text


@settings(max_examples=100, deadline=None)
@given(
    st.text(max_size=200),
    st.sampled_from(["utf-8", "iso-8859-1", "windows-1252", "us-ascii", "x-bogus", "utf-16"]),
)
def test_parse_never_raises_on_any_text_in_any_declared_charset(text, charset):
    raw = (
        f"From: a@alpha.example\nSubject: {text[:50]}\nContent-Type: text/plain; charset={charset}\n"
        "Content-Transfer-Encoding: 8bit\n\n"
    ).encode("utf-8", "surrogatepass") + text.encode("utf-8", "surrogatepass")
    e = mail.parse(raw)
    assert e.sender == "a@alpha.example"
