"""Service objects: creation, serial uniqueness, moving subtrees, cycles, attributes and history."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.conftest import SYSTEM
from tournevis.core import clock
from tournevis.core.errors import Conflict, InvalidInput, PreconditionFailed
from tournevis.core.models import AuditEvent
from tournevis.customers import services as customer_services
from tournevis.installed_base import queries, services
from tournevis.installed_base.models import HistoryEntry, ServiceObject


def counts():
    return ServiceObject.objects.count(), AuditEvent.objects.count(), HistoryEntry.objects.count()


def test_a_tree_keeps_paths_depths_owner_and_category(world):
    a = world.a
    assert (a.area.path, a.area.depth) == (f"/{a.area.pk}/", 0)
    assert (a.machine.path, a.machine.depth) == (f"/{a.area.pk}/{a.machine.pk}/", 1)
    assert (a.module.path, a.module.depth) == (f"/{a.area.pk}/{a.machine.pk}/{a.module.pk}/", 2)
    assert a.machine.owner_id == a.customer.pk
    assert a.machine.category_id == world.category.pk  # taken from the equipment model
    assert a.machine.serial_number == "ALPHA-0001"
    assert [o.name for o in queries.subtree(a.area)] == ["Cash room", "Counter", "Feeder"]
    assert [o.pk for o in queries.ancestors(a.module)] == [a.area.pk, a.machine.pk]


def test_a_serial_is_unique_per_model_only(world):
    before = counts()
    with pytest.raises(Conflict) as error:
        services.create_object(
            SYSTEM,
            {
                "site_id": world.b.site.pk,
                "name": "Twin",
                "equipment_model_id": world.model.pk,
                "serial_number": "alpha-0001",
            },
        )
    assert error.value.field == "serial_number"
    assert counts() == before
    other_model = services.create_equipment_model(
        SYSTEM, manufacturer="Laurel", name="K4", category_id=world.category.pk
    )
    twin = services.create_object(
        SYSTEM,
        {
            "site_id": world.b.site.pk,
            "name": "Twin",
            "equipment_model_id": other_model.pk,
            "serial_number": "ALPHA-0001",
        },
    )
    assert twin.serial_number == "ALPHA-0001"


def test_a_parent_on_another_site_is_refused(world):
    before = counts()
    with pytest.raises(InvalidInput) as error:
        services.create_object(
            SYSTEM, {"site_id": world.a.site.pk, "parent_id": world.b.area.pk, "name": "X"}
        )
    assert error.value.field == "parent_id"
    assert counts() == before


def test_moving_under_a_descendant_is_refused_and_changes_nothing(world):
    a = world.a
    before = counts()
    with pytest.raises(Conflict) as error:
        services.update_object(SYSTEM, a.area.pk, {"parent_id": a.module.pk})
    assert error.value.field == "parent_id"
    assert counts() == before
    assert ServiceObject.objects.get(pk=a.module.pk).path == a.module.path


def test_moving_a_subtree_rewrites_descendant_paths_and_depths(world):
    a = world.a
    lobby = services.create_object(SYSTEM, {"site_id": a.site.pk, "name": "Lobby"})
    services.update_object(SYSTEM, a.machine.pk, {"parent_id": lobby.pk}, expected_version=1)

    machine, module = ServiceObject.objects.get(pk=a.machine.pk), ServiceObject.objects.get(pk=a.module.pk)
    assert (machine.path, machine.depth, machine.version) == (f"/{lobby.pk}/{a.machine.pk}/", 1, 2)
    assert (module.path, module.depth) == (f"/{lobby.pk}/{a.machine.pk}/{a.module.pk}/", 2)
    assert HistoryEntry.objects.filter(service_object=machine).first().kind == "moved"


def test_moving_to_another_site_of_the_same_customer_moves_the_subtree(world):
    a = world.a
    annex = customer_services.create_site(SYSTEM, a.customer.pk, {"name": "Annex"})
    services.update_object(SYSTEM, a.machine.pk, {"site_id": annex.pk, "parent_id": None})

    machine, module = ServiceObject.objects.get(pk=a.machine.pk), ServiceObject.objects.get(pk=a.module.pk)
    assert (machine.site_id, machine.path, machine.depth) == (annex.pk, f"/{a.machine.pk}/", 0)
    assert (module.site_id, module.path, module.depth) == (annex.pk, f"/{a.machine.pk}/{a.module.pk}/", 1)


def test_moving_to_another_customers_site_is_refused(world):
    with pytest.raises(InvalidInput) as error:
        services.update_object(SYSTEM, world.a.machine.pk, {"site_id": world.b.site.pk})
    assert error.value.field == "site_id"


def test_a_stale_version_is_refused(world):
    services.update_object(SYSTEM, world.a.machine.pk, {"status": "in_repair"}, expected_version=1)
    with pytest.raises(PreconditionFailed):
        services.update_object(SYSTEM, world.a.machine.pk, {"status": "active"}, expected_version=1)
    assert ServiceObject.objects.get(pk=world.a.machine.pk).status == "in_repair"


def test_an_object_with_parts_cannot_be_deleted(world):
    with pytest.raises(Conflict):
        services.delete_object(SYSTEM, world.a.machine.pk)
    services.delete_object(SYSTEM, world.a.module.pk)
    assert not ServiceObject.objects.filter(pk=world.a.module.pk).exists()


def test_attributes_as_of_a_date_in_the_site_time_zone(world):
    machine = world.a.machine  # site in Europe/Paris
    paris_midnight_june = datetime(2025, 5, 31, 22, 0, tzinfo=UTC)  # 2025-06-01 00:00 in Paris
    services.set_attribute(
        SYSTEM, machine.pk, key="firmware_version", value="1.0", valid_from=datetime(2025, 1, 1, tzinfo=UTC)
    )
    services.set_attribute(
        SYSTEM, machine.pk, key="firmware_version", value="2.0", valid_from=paris_midnight_june
    )

    def firmware(as_of):
        moment = queries.moment_for(as_of, "Europe/Paris", clock.now())
        return queries.attributes_as_of(machine, moment)["firmware_version"].value

    assert firmware(date(2025, 3, 1)) == "1.0"
    assert firmware(date(2025, 5, 31)) == "1.0"
    assert firmware(date(2025, 6, 1)) == "2.0"
    assert queries.attributes_as_of(machine, datetime(2024, 12, 31, tzinfo=UTC)) == {}


def test_naive_valid_from_and_bad_keys_are_refused(world):
    with pytest.raises(InvalidInput) as error:
        services.set_attribute(SYSTEM, world.a.machine.pk, key="Firmware Version", value="1")
    assert error.value.field == "key"
    with pytest.raises(InvalidInput) as error:
        services.set_attribute(
            SYSTEM, world.a.machine.pk, key="firmware", value="1", valid_from=datetime(2025, 1, 1)  # noqa: DTZ001
        )
    assert error.value.field == "valid_from"


def test_every_change_lands_on_the_timeline(world):
    machine = world.a.machine
    with clock.frozen(datetime(2030, 1, 2, tzinfo=UTC)):
        services.update_object(SYSTEM, machine.pk, {"status": "in_repair"})
    with clock.frozen(datetime(2030, 1, 3, tzinfo=UTC)):
        services.set_attribute(SYSTEM, machine.pk, key="counter_reading", value=120500)
    with clock.frozen(datetime(2030, 1, 4, tzinfo=UTC)):
        services.record_history(
            machine.pk, "ticket", actor=SYSTEM, summary="Jam in feeder", ref_type="ticket", ref_id=42
        )

    timeline = [(e.kind, e.summary) for e in queries.history(machine)]
    assert timeline == [("ticket", "Jam in feeder"), ("attribute", ""), ("status", ""), ("created", "")]
    status = queries.history(machine)[2]
    assert status.data == {"changes": {"status": "in_repair"}, "before": {"status": "active"}}
