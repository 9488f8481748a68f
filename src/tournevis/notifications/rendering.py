"""Render a message from a plain-text template in a language: the first line is the subject.

A template lives at ``<app>/mail/<name>.txt`` in the app's ``templates/`` folder (the context that
sends the message owns it). It is rendered with Django's template engine, *without* HTML
auto-escaping (this is plain text), inside ``translation.override(language)`` so ``{% translate %}``,
``{% blocktranslate %}`` and localised dates and numbers follow the recipient's language::

    {% load i18n %}{% blocktranslate %}[{{ number }}] We received your request{% endblocktranslate %}

    {% blocktranslate %}Hello,{% endblocktranslate %}
    ...

Leading blank lines are skipped; the first line → subject (whitespace collapsed); the blank lines
after it are dropped; the rest is the body, ending with exactly one newline.
"""

from __future__ import annotations

from typing import Any

from django.template import Context, Engine
from django.utils import translation


def render(template_name: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """``(subject, body)`` of ``template_name`` (``.txt`` added when missing) rendered in ``language``."""
    name = template_name if template_name.endswith(".txt") else f"{template_name}.txt"
    template = Engine.get_default().get_template(name)
    with translation.override(language or None):
        text = template.render(Context(context, autoescape=False))
    first, _, rest = text.lstrip("\n").partition("\n")
    subject = " ".join(first.split())
    if not subject:
        raise ValueError(f"{name}: the first line (the subject) rendered empty")
    body = rest.lstrip("\n").rstrip()
    return subject, body + "\n" if body else ""
