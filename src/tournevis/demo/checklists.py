"""The demo's checklist templates, created through ``workorders.checklists`` (audited like any other):

- ``bill-counter-corrective``: a repair on a bill counter — a check, a voltage within a range, the
  rollers' condition (a choice), the error codes read (a text) and a photo after the repair;
- ``bill-counter-preventive``: a bill counter's periodic service — cleaning, firmware, a counting test
  with at most 5 rejects out of 1,000 notes, and a photo of the maintenance label;
- ``site-safety``: on every visit, whatever the equipment and the work, the work area left safe.

Run inside the demo load's transaction.
"""

from __future__ import annotations

from typing import Any

from tournevis.core.actor import Actor
from tournevis.installed_base.models import Category
from tournevis.workorders import checklists

TEMPLATES: tuple[dict[str, Any], ...] = (
    {
        "code": "bill-counter-corrective",
        "name_en": "Bill counter repair",
        "name_fr": "Dépannage compteuse de billets",
        "category": "bill-counter",
        "kind": "corrective",
        "items": [
            {
                "label_en": "Feed path and sensors cleaned",
                "label_fr": "Circuit des billets et capteurs nettoyés",
                "kind": "check",
                "required": True,
            },
            {
                "label_en": "Mains voltage at the power supply",
                "label_fr": "Tension secteur à l'alimentation",
                "kind": "number",
                "required": True,
                "minimum": "207",
                "maximum": "253",
                "unit": "V",
            },
            {
                "label_en": "Condition of the feed rollers",
                "label_fr": "État des rouleaux d'alimentation",
                "kind": "choice",
                "required": True,
                "choices": [
                    {"value": "good", "en": "Good", "fr": "Bon"},
                    {"value": "worn", "en": "Worn", "fr": "Usés"},
                    {"value": "replaced", "en": "Replaced", "fr": "Remplacés"},
                ],
            },
            {
                "label_en": "Error codes found in the log",
                "label_fr": "Codes d'erreur relevés dans le journal",
                "kind": "text",
            },
            {
                "label_en": "Photo of the counter after the repair",
                "label_fr": "Photo de la compteuse après réparation",
                "kind": "photo",
            },
        ],
    },
    {
        "code": "bill-counter-preventive",
        "name_en": "Bill counter periodic service",
        "name_fr": "Entretien périodique compteuse de billets",
        "category": "bill-counter",
        "kind": "preventive",
        "items": [
            {
                "label_en": "Dust removed, rollers and sensors cleaned",
                "label_fr": "Dépoussiérage, rouleaux et capteurs nettoyés",
                "kind": "check",
                "required": True,
            },
            {
                "label_en": "Firmware at the latest release",
                "label_fr": "Micrologiciel à la dernière version",
                "kind": "check",
            },
            {
                "label_en": "Counting test: notes rejected out of 1,000",
                "label_fr": "Test de comptage : billets rejetés sur 1 000",
                "kind": "number",
                "required": True,
                "minimum": "0",
                "maximum": "5",
                "unit": "notes",
            },
            {
                "label_en": "Photo of the maintenance label",
                "label_fr": "Photo de l'étiquette d'entretien",
                "kind": "photo",
            },
        ],
    },
    {
        "code": "site-safety",
        "name_en": "Site safety",
        "name_fr": "Sécurité du site",
        "category": None,
        "kind": "",
        "items": [
            {
                "label_en": "Work area left clean and safe",
                "label_fr": "Zone de travail laissée propre et sûre",
                "kind": "check",
                "required": True,
            }
        ],
    },
)


def load_checklists(actor: Actor) -> dict[str, int]:
    """Create the demo templates (those whose category is missing are skipped)."""
    categories = dict(Category.objects.values_list("code", "pk"))
    made = 0
    for spec in TEMPLATES:
        code = spec["category"]
        if code is not None and code not in categories:
            continue
        data = {k: v for k, v in spec.items() if k != "category"}
        data["category_id"] = categories[code] if code is not None else None
        checklists.create_template(actor, data)
        made += 1
    return {"checklists": made}
