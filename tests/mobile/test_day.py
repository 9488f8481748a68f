"""The day data: the technician's visits of the coming days in route order (in the technician's time
zone), with the visit's context (customer, site and its geo: link, contact, object tree, history,
earlier reports, checklist), its records, the van's stock, the catalogue and the unseen conflicts;
technicians only, and only their own visits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api_support import problem
from tests.conftest import SYSTEM, api_client
from tests.mobile.conftest import Field
from tests.mobile.support import NOW, dispatched_order, send
from tests.workorders.conftest import TUESDAY_9, TUESDAY_11
from tournevis.customers import services as customer_services
from tournevis.identity.domain import Role
from tournevis.workorders import checklists, report, services_visits
from tournevis.workorders import services as workorder_services
from tournevis.workorders.models import Visit

ROLLERS = {
    "label_en": "Rollers",
    "label_fr": "Rouleaux",
    "kind": "choice",
    "required": True,
    "choices": [{"value": "good", "en": "Good", "fr": "Bon"}, {"value": "worn", "en": "Worn", "fr": "Usé"}],
}


def get_day(field: Field, query: str = "", **headers: str) -> Any:
    return field.client.get(
        f"/api/v1/mobile/day{query}", headers={"X-Device-Id": str(field.device.client_id), **headers}
    )


def test_the_day_of_a_visit_with_its_context_and_records(field: Field) -> None:
    customer_services.update_site(
        SYSTEM,
        field.world.a.site.pk,
        {
            "address_line1": "1 rue de la Paix",
            "postal_code": "75002",
            "latitude": 48.8686,
            "longitude": 2.3314,
            "access_notes": "Ring twice; badge at the desk",
        },
    )
    customer_services.update_contact(SYSTEM, field.world.a.contact.pk, {"phone": "+33 1 23 45 67 89"})
    workorder_services.update_work_order(SYSTEM, field.order.pk, {"contact_id": field.world.a.contact.pk})
    template = checklists.create_template(
        SYSTEM, {"code": "counter", "name_en": "Counter", "name_fr": "Compteuse", "items": [ROLLERS]}
    )
    (item,) = template.items.all()
    send(field.client, field.device, 1, "visit.check_in", field.visit)
    note = send(field.client, field.device, 2, "note.add", field.visit, {"text": "Belt worn"})
    send(field.client, field.device, 3, "checklist.set", field.visit, {"item_id": item.pk, "value": "worn"})

    response = get_day(field, "?days=1")

    assert response.status_code == 200, response.content
    day = response.json()
    assert day["server_time"] == "2026-03-10T07:30:00+00:00"
    assert day["technician"] == {"id": field.crew.lea.pk, "name": "Léa Martin"}
    assert day["device"] == {"last_seq": 3}
    assert day["parts"] == [
        {
            "part_id": field.belt.pk,
            "reference": "BELT-220",
            "name": "Feeder belt",
            "unit": "unit",
            "serialised": False,
            "available": "5",
        }
    ]
    assert [p["reference"] for p in day["catalogue"]] == ["BELT-220", "ROLL-9"]
    assert day["catalogue"][1] == {
        "part_id": field.roller.pk,
        "reference": "ROLL-9",
        "manufacturer_reference": "GL-ROLL-9",
        "name": "Pick roller",
        "unit": "unit",
        "serialised": True,
    }
    assert day["conflicts"] == []
    (visit,) = day["visits"]
    order = field.order
    assert {
        k: visit[k] for k in ("id", "version", "number", "status", "planned_start", "planned_end", "pinned")
    } == {
        "id": field.visit.pk,
        "version": 4,
        "number": 1,
        "status": "on_site",
        "planned_start": "2026-03-10T08:00:00+00:00",
        "planned_end": "2026-03-10T10:00:00+00:00",
        "pinned": False,
    }
    assert visit["work_order"] == {
        "id": order.pk,
        "number": order.number,
        "title": "Replace the feeder belt",
        "description": "",
        "kind": "corrective",
        "priority": "P3",
        "onsite_deadline": None,
        "ticket_number": None,
    }
    assert visit["customer"] == {"id": field.world.a.customer.pk, "name": "Alpha Bank", "language": "fr"}
    assert visit["site"] == {
        "id": field.world.a.site.pk,
        "name": "Alpha HQ",
        "address_lines": ["1 rue de la Paix", "75002 Paris", "FR"],
        "access_notes": "Ring twice; badge at the desk",
        "access_hours": {},
        "latitude": 48.8686,
        "longitude": 2.3314,
        "timezone": "Europe/Paris",
        "geo_uri": "geo:48.8686,2.3314?q=48.8686,2.3314(Alpha HQ)",
    }
    assert visit["contact"] == {
        "name": "Alpha Contact",
        "phone": "+33123456789",
        "tel": "tel:+33123456789",
        "email": "c@alpha.example",
    }
    machine, area, module = field.world.a.machine, field.world.a.area, field.world.a.module
    assert visit["object"] == {
        "id": machine.pk,
        "label": "Counter",
        "serial": "ALPHA-0001",
        "model": "Glory GFS-220",
        "category": "Bill counter",
        "ancestors": [{"id": area.pk, "label": "Cash room"}],
        "children": [{"id": module.pk, "label": "Feeder", "serial": ""}],
    }
    assert visit["knowledge"] == []
    assert visit["previous_reports"] == []
    assert visit["checklist"] == [
        {
            "item_id": item.pk,
            "template": "Counter",
            "label": "Rollers",
            "kind": "choice",
            "required": True,
            "minimum": None,
            "maximum": None,
            "unit": "",
            "choices": [{"value": "good", "label": "Good"}, {"value": "worn", "label": "Worn"}],
        }
    ]
    assert visit["records"] == {
        "time_entries": [],
        "expenses": [],
        "parts_used": [],
        "checklist_results": {str(item.pk): {"value": "worn", "passed": None, "version": 1, "photo": None}},
        "photos": [],
        "notes": [
            {
                "client_id": note.key,
                "text": "Belt worn",
                "author": "technician-user",
                "written_at": "2026-03-10T07:29:00+00:00",
            }
        ],
        "signatures": [],
        "follow_up_needed": False,
        "follow_up_reason": "",
        "fixed": None,
        "outcome": "",
    }
    assert visit["parts"] == day["parts"]


def test_labels_follow_the_users_language(field: Field) -> None:
    checklists.create_template(
        SYSTEM, {"code": "counter", "name_en": "Counter", "name_fr": "Compteuse", "items": [ROLLERS]}
    )

    (visit,) = get_day(field, **{"Accept-Language": "fr"}).json()["visits"]

    assert (visit["checklist"][0]["template"], visit["checklist"][0]["label"]) == ("Compteuse", "Rouleaux")
    assert visit["checklist"][0]["choices"][1] == {"value": "worn", "label": "Usé"}
    assert visit["object"]["category"] == "Compteuse de billets"


def test_route_order_days_and_what_is_left_out(field: Field) -> None:
    tomorrow = dispatched_order(field.world, field.crew.lea)
    tomorrow_visit = Visit.objects.get(work_order=tomorrow)
    # moved to Wednesday
    services_visits.unschedule_visit(SYSTEM, tomorrow_visit.pk)
    workorder_services.plan_visit(
        SYSTEM, tomorrow.pk, field.crew.lea.pk, TUESDAY_9 + timedelta(days=1), TUESDAY_11 + timedelta(days=1)
    )
    early = dispatched_order(field.world, field.crew.lea)
    early_visit = Visit.objects.get(work_order=early)
    cancelled = dispatched_order(field.world, field.crew.lea)
    services_visits.cancel_visit(SYSTEM, Visit.objects.get(work_order=cancelled).pk)
    marcs = dispatched_order(field.world, field.crew.marc)

    one = [v["id"] for v in get_day(field, "?days=1").json()["visits"]]
    two = [v["id"] for v in get_day(field, "?days=2").json()["visits"]]

    assert one == sorted([field.visit.pk, early_visit.pk])  # same start: by id
    assert two == [*one, tomorrow_visit.pk]
    assert Visit.objects.get(work_order=marcs).pk not in two


def test_a_visit_under_way_from_an_earlier_day_stays(field: Field) -> None:
    services_visits.check_in(SYSTEM, field.visit.pk)
    field.clock.at = NOW + timedelta(days=3)

    (visit,) = get_day(field, "?days=1").json()["visits"]

    assert (visit["id"], visit["status"]) == (field.visit.pk, "on_site")


def test_previous_reports_of_the_object(field: Field) -> None:
    earlier = dispatched_order(field.world, field.crew.lea)
    earlier_visit = Visit.objects.get(work_order=earlier)
    services_visits.check_in(SYSTEM, earlier_visit.pk)
    services_visits.complete_visit(SYSTEM, earlier_visit.pk, True, "Cleaned")
    report.build_report(SYSTEM, earlier_visit.pk)

    visits = {v["id"]: v for v in get_day(field, "?days=1").json()["visits"]}

    assert visits[field.visit.pk]["previous_reports"] == [
        {
            "visit_id": earlier_visit.pk,
            "date": "2026-03-10",
            "number": f"{earlier.number} #1",
            "url": f"/api/v1/workorders/{earlier.pk}/visits/{earlier_visit.pk}/report.pdf",
        }
    ]
    assert [h["kind"] for h in visits[field.visit.pk]["history"]] == ["created", "report", "visit"]


def test_unseen_conflicts_are_in_the_day_until_seen(field: Field) -> None:
    services_visits.cancel_visit(SYSTEM, field.visit.pk, "Closed")
    conflicted = send(field.client, field.device, 1, "visit.check_in", field.visit)
    conflict_id = conflicted.json()["conflict"]["id"]

    conflicts = get_day(field).json()["conflicts"]
    seen = field.client.post(
        f"/api/v1/mobile/conflicts/{conflict_id}/seen", headers={"X-Device-Id": str(field.device.client_id)}
    )

    assert [(c["id"], c["reason"], c["op"], c["seq"], c["key"]) for c in conflicts] == [
        (conflict_id, "visit_cancelled", "visit.check_in", 1, conflicted.key)
    ]
    assert seen.json()["seen_at"] == "2026-03-10T07:30:00+00:00"
    assert get_day(field).json()["conflicts"] == []


def test_only_technicians_with_a_record_get_a_day(field: Field) -> None:
    manager = api_client(field.world.staff[Role.MANAGER])
    assert problem(manager.get("/api/v1/mobile/day"), 403)
    assert problem(get_day(field, "?days=15"), 422)["errors"][0]["field"] == "days"
    field.crew.lea.user = None
    field.crew.lea.save()
    assert problem(get_day(field), 404)
