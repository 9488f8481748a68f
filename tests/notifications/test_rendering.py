"""render(): a plain-text template in the recipient's language; the first line is the subject."""

from __future__ import annotations

from datetime import date

import pytest
from django.template import TemplateDoesNotExist

from tournevis.notifications.rendering import render

TEMPLATE = """{% load i18n %}[{{ number }}] {% translate "Pending" %}: {{ title }}


Hello {{ name }},
{{ day|date:"l j F Y" }}

"""


@pytest.fixture
def mail_templates(settings, tmp_path):
    (tmp_path / "shop" / "mail").mkdir(parents=True)
    (tmp_path / "shop" / "mail" / "ack.txt").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "shop" / "mail" / "empty.txt").write_text("{{ nothing }}\n  \n", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]


CONTEXT = {"number": "T-1", "title": "Pompe & filtre <HS>", "name": "Zoé", "day": date(2026, 5, 4)}


def test_english_subject_and_body_without_html_escaping(mail_templates):
    assert render("shop/mail/ack.txt", "en", CONTEXT) == (
        "[T-1] Pending: Pompe & filtre <HS>",
        "Hello Zoé,\nMonday 4 May 2026\n",
    )


def test_french_translation_and_dates_and_the_txt_suffix_is_optional(mail_templates):
    assert render("shop/mail/ack", "fr", CONTEXT) == (
        "[T-1] En attente: Pompe & filtre <HS>",
        "Hello Zoé,\nlundi 4 mai 2026\n",
    )


def test_an_empty_subject_or_a_missing_template_is_an_error(mail_templates):
    with pytest.raises(ValueError, match=r"shop/mail/empty\.txt: the first line"):
        render("shop/mail/empty.txt", "en", {})
    with pytest.raises(TemplateDoesNotExist):
        render("shop/mail/missing.txt", "en", {})
