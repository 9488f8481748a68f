"""The demo service desk's data: business calendars per market, SLA tiers and their escalation
rules, triage rules, agent profiles and the kinds of requests customers make (in both languages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# --- Calendars ------------------------------------------------------------------------------------

_WEEK = ("mon", "tue", "wed", "thu", "fri")


def _weekdays(*slots: tuple[str, str]) -> dict[str, list[list[str]]]:
    return {day: [list(slot) for slot in slots] for day in _WEEK}


# market (plan.CustomerPlan.market) -> calendar
CALENDARS: dict[str, dict[str, Any]] = {
    "FR": {
        "name": "Paris office",
        "timezone": "Europe/Paris",
        "slots": _weekdays(("08:00", "12:00"), ("13:30", "18:00")),
        "holidays": {"country": "FR"},
        "yearly_closures": [["12-24", "12-26"]],
    },
    "QC": {
        "name": "Montréal office",
        "timezone": "America/Toronto",
        "slots": _weekdays(("08:30", "12:00"), ("13:00", "17:00")),
        "holidays": {"country": "CA", "subdivision": "QC"},
    },
    "ON": {
        "name": "Toronto office",
        "timezone": "America/Toronto",
        "slots": _weekdays(("08:30", "17:00")),
        "holidays": {"country": "CA", "subdivision": "ON"},
    },
    "JP": {
        "name": "Tokyo office",
        "timezone": "Asia/Tokyo",
        "slots": _weekdays(("09:00", "12:00"), ("13:00", "18:00")),
        "holidays": {"country": "JP"},
        "yearly_closures": [["12-29", "01-03"]],
    },
}
ALWAYS_OPEN = {"name": "24/7 hotline", "timezone": "UTC", "always_open": True}

# --- SLA tiers: (priority, first response, on site, resolution) in business minutes; the update
# cadence is the default of the issue (P1 every 2 h, P2 and P3 daily, P4 weekly).

TIERS: dict[str, dict[str, Any]] = {
    "Gold": {
        "description": "Critical equipment: 30 min response, 2 h on site for P1.",
        "targets": [
            ("P1", 30, 120, 480),
            ("P2", 60, 240, 960),
            ("P3", 240, 480, 2400),
            ("P4", 480, 1440, 4800),
        ],
        "escalations": [
            {"kind": "response", "level": 1, "offset_minutes": 0, "action": "notify_manager"},
            {
                "kind": "resolution",
                "level": 1,
                "offset_minutes": -60,
                "action": "move_tier",
                "params": {"tier": 2},
            },
            {"kind": "resolution", "level": 2, "offset_minutes": 60, "action": "notify_manager"},
        ],
    },
    "Silver": {
        "description": "Business hours: 1 h response, 4 h on site for P1.",
        "targets": [
            ("P1", 60, 240, 960),
            ("P2", 120, 480, 1440),
            ("P3", 480, 960, 2880),
            ("P4", 960, 2400, 7200),
        ],
        "escalations": [
            {"kind": "response", "level": 1, "offset_minutes": 30, "action": "raise_priority", "params": {}},
            {"kind": "resolution", "level": 1, "offset_minutes": 0, "action": "notify_manager"},
        ],
    },
    "Bronze": {
        "description": "Best effort: next business day on site.",
        "targets": [
            ("P1", 120, 480, 1440),
            ("P2", 240, 960, 2880),
            ("P3", 960, 1920, 4800),
            ("P4", 1920, 4800, 9600),
        ],
        "escalations": [
            {"kind": "resolution", "level": 1, "offset_minutes": 240, "action": "notify_manager"}
        ],
    },
}

# --- Triage rules and agents ----------------------------------------------------------------------

RULES: list[dict[str, Any]] = [
    {
        "name": "Equipment down: P1",
        "keywords": ["down", "hors service", "en panne", "out of order"],
        "set_priority": "P1",
    },
    {
        "name": "Jams go to hardware",
        "keywords": ["bourrage", "jam", "jammed", "coincé"],
        "set_priority": "P2",
        "set_category": "hardware",
        "set_queue": "hardware",
    },
    {
        "name": "SNMP alerts go to hardware",
        "channels": ["snmp"],
        "set_category": "hardware",
        "set_queue": "hardware",
    },
]

AGENTS: dict[str, dict[str, Any]] = {
    "demo-agent": {
        "queues": ["level1", "hardware", "software"],
        "skills": {"hardware": 3, "software": 2, "network": 2},
        "capacity": 12,
        "calendar": "Paris office",
    },
    "demo-manager": {
        "queues": ["level1", "software", "hardware"],
        "skills": {"hardware": 2, "software": 4, "network": 3},
        "capacity": 6,
        "calendar": None,
    },
}

CURRENCY = {"FR": "EUR", "QC": "CAD", "ON": "CAD", "JP": "JPY"}
PRICE = {"EUR": 1, "CAD": 1, "JPY": 150}  # minor units: cents (EUR, CAD), yen


# --- Tickets --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """A kind of request: the object category it is about (None: no object), its channels, titles and
    descriptions in both languages (``{name}`` is the object's name), and the category/priority the
    requester gives (None: triage decides)."""

    category: str | None
    channels: tuple[str, ...]
    title_fr: str
    title_en: str
    text_fr: str
    text_en: str
    ticket_category: str | None = None
    priority: str | None = None


STORIES: tuple[Story, ...] = (
    Story(
        "bill-counter",
        ("phone", "portal", "email"),
        "Bourrage répété sur {name}",
        "Repeated jam on {name}",
        "La compteuse bloque toutes les 200 coupures environ, avec un bourrage dans le bac de réception. "
        "Nous avons nettoyé les capteurs sans amélioration.",
        "The counter stops every 200 notes or so with a jam in the stacker. We cleaned the sensors, no "
        "improvement.",
    ),
    Story(
        "banknote-sorter",
        ("phone", "email"),
        "{name} hors service depuis ce matin",
        "{name} down since this morning",
        "La trieuse affiche l'erreur E-214 au démarrage et refuse toute opération. Le coffre de l'agence "
        "ne peut plus être préparé.",
        "The sorter shows error E-214 at start-up and refuses every operation. The branch cannot prepare "
        "its cash.",
        "hardware",
    ),
    Story(
        "kiosk",
        ("portal", "api"),
        "Écran tactile de {name} ne répond plus",
        "Touchscreen of {name} not responding",
        "L'écran reste allumé mais ne réagit plus au toucher ; un redémarrage ne change rien. Les clients "
        "sont redirigés vers le guichet.",
        "The screen stays on but no longer reacts to touch; a restart changes nothing. Customers are sent "
        "to the counter.",
        "hardware",
        "P2",
    ),
    Story(
        "kiosk",
        ("portal", "email"),
        "Erreur logicielle sur {name} après la mise à jour",
        "Software error on {name} after the update",
        "Depuis la mise à jour 4.2 de la nuit dernière, la borne redémarre à chaque impression de reçu.",
        "Since last night's 4.2 update the kiosk restarts every time it prints a receipt.",
        "software",
        "P2",
    ),
    Story(
        "router",
        ("snmp",),
        "Interface down on {name} (linkDown trap)",
        "Interface down on {name} (linkDown trap)",
        "SNMP trap linkDown received for ifIndex 2 (WAN). No linkUp within 5 minutes.",
        "SNMP trap linkDown received for ifIndex 2 (WAN). No linkUp within 5 minutes.",
    ),
    Story(
        "switch",
        ("snmp",),
        "High error rate on a port of {name}",
        "High error rate on a port of {name}",
        "ifInErrors on port 12 rose by 4,812 in 10 minutes (threshold 500).",
        "ifInErrors on port 12 rose by 4,812 in 10 minutes (threshold 500).",
        None,
        "P3",
    ),
    Story(
        "receipt-printer",
        ("phone", "portal"),
        "{name} n'imprime plus les tickets",
        "{name} no longer prints receipts",
        "Le voyant papier clignote alors que le rouleau est neuf. Les reçus sortent blancs.",
        "The paper light blinks although the roll is new. Receipts come out blank.",
        "hardware",
        "P3",
    ),
    Story(
        "bill-counter",
        ("email", "api"),
        "Faux billets non détectés par {name}",
        "Counterfeit notes not detected by {name}",
        "Deux faux billets de 50 € sont passés sans alerte hier. Faut-il mettre à jour les profils de "
        "détection ?",
        "Two counterfeit 50 notes went through without an alert yesterday. Do the detection profiles need "
        "an update?",
        "software",
        "P2",
    ),
    Story(
        None,
        ("email",),
        "Question sur la facture de maintenance",
        "Question about the maintenance invoice",
        "Bonjour, la facture du trimestre compte une visite préventive de plus que prévu. Pouvez-vous "
        "vérifier ?",
        "Hello, this quarter's invoice has one preventive visit more than planned. Could you check?",
        "question",
        "P4",
    ),
    Story(
        None,
        ("portal", "phone"),
        "Demande d'installation d'une nouvelle compteuse",
        "Request to install a new bill counter",
        "Nous ouvrons une nouvelle agence le mois prochain et souhaitons planifier l'installation et la "
        "formation.",
        "We open a new branch next month and would like to plan the installation and training.",
        "installation",
        "P4",
    ),
)
