"""Checklist templates: which apply to a work order (category of the object or of its model, work
kind, active), a visit's items and the required ones still missing, creating and editing templates
(items kept by id with their results, refused removals), and the managers' API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.api_support import audit_count, call, db_state, fields_of, problem
from tests.conftest import SYSTEM, World, api_client
from tests.tickets.conftest import MONDAY_10
from tests.workforce.conftest import Crew
from tests.workorders.conftest import TUESDAY_9, make_order, planned
from tournevis.core.errors import Conflict, InvalidInput, PreconditionFailed
from tournevis.core.models import AuditEvent
from tournevis.identity.domain import Role
from tournevis.installed_base import services as ib_services
from tournevis.installed_base.models import ServiceObject
from tournevis.workorders import checklists, records, services
from tournevis.workorders.models import ChecklistItem, ChecklistTemplate, Visit, WorkOrder

CHECK = {"label_en": "Belts cleaned", "label_fr": "Courroies nettoyées", "kind": "check", "required": True}
VOLTAGE = {
    "label_en": "Mains voltage",
    "label_fr": "Tension secteur",
    "kind": "number",
    "required": True,
    "minimum": "207",
    "maximum": 253,
    "unit": "V",
}
ROLLERS = {
    "label_en": "Rollers",
    "kind": "choice",
    "choices": [{"value": "good", "en": "Good", "fr": "Bon"}, {"value": "worn", "en": "Worn"}],
}


def template(code: str, **extra: Any) -> ChecklistTemplate:
    return checklists.create_template(
        SYSTEM, {"code": code, "name_en": code.title(), "items": [dict(CHECK)], **extra}
    )


def items_of(template: ChecklistTemplate) -> list[tuple[int, str, str, bool]]:
    rows = ChecklistItem.objects.filter(template=template).order_by("position")
    return list(rows.values_list("position", "label_en", "kind", "required"))


def under_way(world: World, crew: Crew, **extra: Any) -> Visit:
    order = planned(world, crew, **extra)
    visit = Visit.objects.get(work_order=order, number=1)
    services.dispatch_visit(SYSTEM, visit.pk, at=MONDAY_10)
    services.check_in(SYSTEM, visit.pk, at=TUESDAY_9)
    return Visit.objects.select_related("work_order__service_object__equipment_model").get(pk=visit.pk)


# --- Matching --------------------------------------------------------------------------------------


def test_templates_match_the_objects_category_and_the_work_kind(world: World) -> None:
    other = ib_services.create_category(SYSTEM, code="router", name_en="Router", name_fr="Routeur")
    template("any")
    template("counter", category_id=world.category.pk)
    template("counter-repair", category_id=world.category.pk, kind="corrective")
    template("counter-service", category_id=world.category.pk, kind="preventive")
    template("router", category_id=other.pk)
    template("retired", active=False)
    order = make_order(world)
    # The machine has no category of its own: its model's applies
    assert [t.code for t in checklists.templates_for(order)] == ["any", "counter", "counter-repair"]
    order.kind = "preventive"
    assert [t.code for t in checklists.templates_for(order)] == ["any", "counter", "counter-service"]
    # Its own category wins over its model's
    ServiceObject.objects.filter(pk=world.a.machine.pk).update(category=other)
    order = WorkOrder.objects.get(pk=order.pk)
    assert [t.code for t in checklists.templates_for(order)] == ["any", "router"]
    # Without an object: only the templates for any equipment
    bare = make_order(world, service_object_id=None)
    assert [t.code for t in checklists.templates_for(bare)] == ["any"]


def test_a_visits_items_come_in_template_then_position_order_and_missing_ones_are_listed(
    world: World, crew: Crew
) -> None:
    template("b-counter", category_id=world.category.pk, items=[dict(CHECK), dict(VOLTAGE)])
    template("a-any", items=[{"label_en": "Area safe", "kind": "check"}])
    visit = under_way(world, crew, service_object_id=world.a.machine.pk)
    assert [(i.template.code, i.position, i.label_en) for i in checklists.items_for(visit)] == [
        ("a-any", 1, "Area safe"),
        ("b-counter", 1, "Belts cleaned"),
        ("b-counter", 2, "Mains voltage"),
    ]
    assert [i.label_en for i in checklists.missing_required(visit)] == ["Belts cleaned", "Mains voltage"]
    belts = checklists.items_for(visit)[1]
    records.set_checklist_result(SYSTEM, visit.pk, item_id=belts.pk, value=True, at=TUESDAY_9)
    assert [i.label_en for i in checklists.missing_required(visit)] == ["Mains voltage"]
    assert checklists.label(belts, "fr") == "Courroies nettoyées"
    assert checklists.label(belts, "en") == "Belts cleaned"


# --- Managing --------------------------------------------------------------------------------------


def test_creating_a_template_checks_each_item_and_records_an_audit_event(world: World) -> None:
    made = checklists.create_template(
        SYSTEM,
        {
            "code": "Counter-Repair",
            "name_en": "Counter repair",
            "category_id": world.category.pk,
            "kind": "corrective",
            "items": [CHECK, VOLTAGE, ROLLERS, {"label_en": "Photo", "kind": "photo"}],
        },
    )
    assert (made.code, made.name_en, made.name_fr, made.kind, made.active, made.version) == (
        "counter-repair",
        "Counter repair",
        "Counter repair",
        "corrective",
        True,
        1,
    )
    assert items_of(made) == [
        (1, "Belts cleaned", "check", True),
        (2, "Mains voltage", "number", True),
        (3, "Rollers", "choice", False),
        (4, "Photo", "photo", False),
    ]
    voltage = ChecklistItem.objects.get(template=made, position=2)
    assert (voltage.minimum, voltage.maximum, voltage.unit) == (Decimal("207"), Decimal("253"), "V")
    rollers = ChecklistItem.objects.get(template=made, position=3)
    assert (rollers.label_fr, rollers.choices) == (
        "Rollers",
        [{"value": "good", "en": "Good", "fr": "Bon"}, {"value": "worn", "en": "Worn", "fr": "Worn"}],
    )
    event = AuditEvent.objects.get(action="checklist.create")
    assert event.object_id == str(made.pk)
    assert [item["label_en"] for item in event.after["items"]] == [
        "Belts cleaned",
        "Mains voltage",
        "Rollers",
        "Photo",
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"code": "", "name_en": "X"}, "code"),
        ({"code": "a b", "name_en": "X"}, "code"),
        ({"code": "x", "name_en": ""}, "name_en"),
        ({"code": "x", "name_en": "X", "kind": "repair"}, "kind"),
        ({"code": "x", "name_en": "X", "category_id": 999999}, "category_id"),
        ({"code": "x", "name_en": "X", "items": [{"label_en": "A", "kind": "dial"}]}, "items.0.kind"),
        ({"code": "x", "name_en": "X", "items": [{"label_en": "", "kind": "check"}]}, "items.0.label_en"),
        (
            {"code": "x", "name_en": "X", "items": [CHECK, {**VOLTAGE, "minimum": 300}]},
            "items.1.maximum",
        ),
        ({"code": "x", "name_en": "X", "items": [{**VOLTAGE, "minimum": "abc"}]}, "items.0.minimum"),
        ({"code": "x", "name_en": "X", "items": [{**CHECK, "unit": "V"}]}, "items.0.unit"),
        (
            {"code": "x", "name_en": "X", "items": [{**ROLLERS, "choices": [ROLLERS["choices"][0]]}]},
            "items.0.choices",
        ),
        (
            {"code": "x", "name_en": "X", "items": [{**ROLLERS, "choices": [ROLLERS["choices"][0]] * 2}]},
            "items.0.choices.1.value",
        ),
        (
            {"code": "x", "name_en": "X", "items": [{**CHECK, "choices": ROLLERS["choices"]}]},
            "items.0.choices",
        ),
        ({"code": "x", "name_en": "X", "items": [{**CHECK, "id": 1}]}, "items"),
    ],
)
def test_bad_templates_are_refused_and_nothing_is_written(
    world: World, data: dict[str, Any], field: str
) -> None:
    before, audits = db_state(), audit_count()
    with pytest.raises(InvalidInput) as refused:
        checklists.create_template(SYSTEM, data)
    assert refused.value.field == field
    assert (db_state(), audit_count()) == (before, audits)


def test_a_code_is_used_once(world: World) -> None:
    template("repair")
    with pytest.raises(Conflict) as refused:
        template("REPAIR")
    assert refused.value.field == "code"


def test_updating_keeps_named_items_with_their_results_and_refuses_what_would_lose_them(
    world: World, crew: Crew
) -> None:
    made = template("counter", category_id=world.category.pk, items=[dict(CHECK), dict(VOLTAGE)])
    belts, voltage = ChecklistItem.objects.filter(template=made).order_by("position")
    visit = under_way(world, crew, service_object_id=world.a.machine.pk)
    result = records.set_checklist_result(SYSTEM, visit.pk, item_id=voltage.pk, value="230", at=TUESDAY_9)

    # Reordered, one item renamed, the unanswered one removed, a new one added
    changed = checklists.update_template(
        SYSTEM,
        made.pk,
        {
            "name_fr": "Compteuse",
            "items": [
                {**VOLTAGE, "id": voltage.pk, "label_en": "Voltage"},
                {"label_en": "Notes", "kind": "text"},
            ],
        },
        expected_version=1,
    )
    assert (changed.version, changed.name_fr) == (2, "Compteuse")
    assert items_of(made) == [(1, "Voltage", "number", True), (2, "Notes", "text", False)]
    assert ChecklistItem.objects.get(pk=voltage.pk).position == 1
    assert not ChecklistItem.objects.filter(pk=belts.pk).exists()
    result.refresh_from_db()
    assert (result.item_id, result.value) == (voltage.pk, "230")
    event = AuditEvent.objects.get(action="checklist.update")
    assert [i["label_en"] for i in event.before["items"]] == ["Belts cleaned", "Mains voltage"]
    assert [i["label_en"] for i in event.after["items"]] == ["Voltage", "Notes"]

    before, audits = db_state(), audit_count()
    with pytest.raises(Conflict) as removed:
        checklists.update_template(SYSTEM, made.pk, {"items": []})
    assert removed.value.field == "items"
    with pytest.raises(Conflict) as rekinded:
        checklists.update_template(SYSTEM, made.pk, {"items": [{**CHECK, "id": voltage.pk}]})
    assert rekinded.value.field == "items.0.kind"
    with pytest.raises(PreconditionFailed):
        checklists.update_template(SYSTEM, made.pk, {"active": False}, expected_version=1)
    with pytest.raises(InvalidInput) as foreign:
        checklists.update_template(SYSTEM, made.pk, {"items": [{**CHECK, "id": 999999}]})
    assert foreign.value.field == "items.0.id"
    assert (db_state(), audit_count()) == (before, audits)

    # Deactivating is how an answered checklist is retired; an unchanged update writes nothing
    assert checklists.update_template(SYSTEM, made.pk, {"active": False}).version == 3
    assert checklists.update_template(SYSTEM, made.pk, {"active": False}).version == 3
    assert AuditEvent.objects.filter(action="checklist.update").count() == 2


# --- API -------------------------------------------------------------------------------------------


def test_managers_create_and_edit_checklists_through_the_api(world: World) -> None:
    manager = api_client(world.user(Role.MANAGER))
    body = {
        "code": "counter",
        "name_en": "Counter",
        "name_fr": "Compteuse",
        "category_id": world.category.pk,
        "kind": "corrective",
        "items": [CHECK, {**VOLTAGE, "minimum": 207.5}, ROLLERS],
    }
    created = call(
        manager,
        "POST",
        "/checklists",
        body,
        headers={"Idempotency-Key": "5f0f6a3e-1b7a-4c8e-9d1e-0a0b0c0d0e0f"},
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert created["ETag"] == '"1"'
    assert [(i["position"], i["kind"], i["minimum"], i["maximum"], i["unit"]) for i in data["items"]] == [
        (1, "check", None, None, ""),
        (2, "number", "207.5", "253", "V"),
        (3, "choice", None, None, ""),
    ]
    assert data["items"][2]["choices"][1] == {"value": "worn", "en": "Worn", "fr": "Worn"}

    listed = call(manager, "GET", "/checklists?kind=corrective").json()
    assert (listed["count"], [row["code"] for row in listed["items"]]) == (1, ["counter"])
    assert call(manager, "GET", "/checklists?kind=preventive").json()["count"] == 0

    item_ids = [item["id"] for item in data["items"]]
    patched = call(
        manager,
        "PATCH",
        f"/checklists/{data['id']}",
        {"active": False, "items": [{**ROLLERS, "id": item_ids[2]}, CHECK]},
        headers={"If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.content
    assert patched["ETag"] == '"2"'
    assert [(i["id"] == item_ids[2], i["label_en"]) for i in patched.json()["items"]] == [
        (True, "Rollers"),
        (False, "Belts cleaned"),
    ]
    stale = call(manager, "PATCH", f"/checklists/{data['id']}", {"active": True}, headers={"If-Match": '"1"'})
    assert problem(stale, 412)["current"]["version"] == 2
    bad = call(
        manager, "POST", "/checklists", {**body, "code": "other", "items": [{**VOLTAGE, "maximum": 1}]}
    )
    assert fields_of(problem(bad, 422)) == ["items.0.maximum"]
    assert call(manager, "GET", "/checklists/999999").status_code == 404


def test_technicians_read_checklists_but_do_not_write_them(world: World) -> None:
    made = template("counter")
    technician = api_client(world.user(Role.TECHNICIAN))
    assert call(technician, "GET", f"/checklists/{made.pk}").json()["code"] == "counter"
    customer = api_client(world.user(Role.CUSTOMER))
    before = db_state()
    problem(call(technician, "PATCH", f"/checklists/{made.pk}", {"active": False}), 403)
    problem(call(customer, "GET", f"/checklists/{made.pk}"), 404)
    assert db_state() == before
