"""Why a visit is not in the plan: reason codes and the sentence a dispatcher reads.

Each code has an English msgid marked with ``gettext_noop`` (extracted by makemessages, translated
at the boundary). ``describe(reason, gettext)`` renders one; ``params`` values are plain strings
(technician ids, skill codes, ISO dates), except ``weekday`` which is an English day name that
``describe`` translates too. Reasons are computed by ``diagnosis`` from the problem, not by a solver.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tournevis.core.errors import gettext_noop

from .model import Reason

NO_SKILL = "no_skill"
NO_SKILL_COMBINATION = "no_skill_combination"
QUALIFIED_ABSENT = "qualified_absent"
NO_SKILL_ON_DAY = "no_skill_on_day"
NOBODY_WORKING = "nobody_working"
STARTS_TOO_LATE = "starts_too_late"
TOO_LONG = "too_long"
NO_ROAD = "no_road"
WINDOW_UNREACHABLE = "window_unreachable"
PIN_UNQUALIFIED = "pin_unqualified"
PIN_NOT_WORKING = "pin_not_working"
PIN_OUTSIDE_WINDOW = "pin_outside_window"
PIN_UNREACHABLE = "pin_unreachable"
PIN_FULL = "pin_full"
LOCKED_CONFLICT = "locked_conflict"
PLAN_FULL = "plan_full"
NO_ROOM = "no_room"

MESSAGES: Mapping[str, str] = {
    NO_SKILL: gettext_noop("no technician with skill %(skill)s level %(level)s"),
    NO_SKILL_COMBINATION: gettext_noop("no technician has all the required skills (%(skills)s)"),
    QUALIFIED_ABSENT: gettext_noop("the only qualified technicians are absent"),
    NO_SKILL_ON_DAY: gettext_noop("no technician with skill %(skill)s is working on %(weekday)s %(day)s"),
    NOBODY_WORKING: gettext_noop("no qualified technician is working on %(weekday)s %(day)s"),
    STARTS_TOO_LATE: gettext_noop(
        "it cannot start before %(earliest)s, after the last shift of every qualified technician"
    ),
    TOO_LONG: gettext_noop("it lasts %(minutes)s minutes, longer than any shift of a qualified technician"),
    NO_ROAD: gettext_noop("no road leads to it from a qualified technician's home"),
    WINDOW_UNREACHABLE: gettext_noop("its time windows close before any qualified technician can arrive"),
    PIN_UNQUALIFIED: gettext_noop(
        "the pinned technician %(technician)s lacks skill %(skill)s level %(level)s"
    ),
    PIN_NOT_WORKING: gettext_noop("the pinned technician %(technician)s does not work then"),
    PIN_OUTSIDE_WINDOW: gettext_noop("the pinned start %(start)s is outside its time windows"),
    PIN_UNREACHABLE: gettext_noop("the pinned technician %(technician)s cannot reach it in time"),
    PIN_FULL: gettext_noop("the pinned technician %(technician)s has no room for it"),
    LOCKED_CONFLICT: gettext_noop(
        "its locked start clashes with another locked visit or a break of %(technician)s"
    ),
    PLAN_FULL: gettext_noop("the plan is full: lower priority than the visits served"),
    NO_ROOM: gettext_noop("qualified technicians are busy elsewhere while its time windows are open"),
}

WEEKDAYS = (
    gettext_noop("Monday"),
    gettext_noop("Tuesday"),
    gettext_noop("Wednesday"),
    gettext_noop("Thursday"),
    gettext_noop("Friday"),
    gettext_noop("Saturday"),
    gettext_noop("Sunday"),
)


def describe(reason: Reason, gettext: Callable[[str], str] = lambda s: s) -> str:
    """The reason as a sentence (translated with ``gettext`` when one is given)."""
    template = MESSAGES.get(reason.code)
    if template is None:
        return reason.code
    params = dict(reason.params)
    if "weekday" in params:
        params["weekday"] = gettext(params["weekday"])
    try:
        return gettext(template) % params
    except (KeyError, ValueError, TypeError):
        return template % {k: params.get(k, "") for k in _placeholders(template)}


def _placeholders(template: str) -> list[str]:
    names = []
    rest = template
    while "%(" in rest:
        rest = rest.split("%(", 1)[1]
        names.append(rest.split(")", 1)[0])
    return names
