"""The demo network: exact size for a seed, determinism, validity, `--if-empty`, demo logins; search on it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from contextlib import suppress
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count

from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.core.models import AuditEvent
from tournevis.customers.models import Contact, Customer, Site
from tournevis.demo import loader
from tournevis.demo.digest import digest
from tournevis.demo.logins import DEMO_PASSWORD
from tournevis.demo.places import CITIES
from tournevis.identity.models import User
from tournevis.identity.services import actor_for
from tournevis.installed_base import domain, queries
from tournevis.installed_base.models import Attribute, HistoryEntry, ServiceObject

# Dates in the demo are relative to the day of the load: freeze it so the figures below are exact.
DAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Rollback(Exception):
    pass


def load(seed: int = 1) -> loader.LoadReport:
    with clock.frozen(DAY):
        return loader.load(size="small", seed=seed)


def digest_of_load(seed: int) -> str:
    """Load, fingerprint, and roll the load back (sequences may move on: the digest rebases ids)."""
    result = ""
    with suppress(Rollback), transaction.atomic():
        load(seed)
        result = digest()
        raise Rollback
    assert not Customer.objects.exists()
    return result


@pytest.fixture
def small(db: None) -> loader.LoadReport:
    return load()


def test_the_small_demo_has_exactly_the_rows_its_seed_produces(small: loader.LoadReport) -> None:
    counts = {
        "customers": Customer.objects.count(),
        "sites": Site.objects.count(),
        "contacts": Contact.objects.count(),
        "objects": ServiceObject.objects.count(),
        "attributes": Attribute.objects.count(),
        "history": HistoryEntry.objects.count(),
        "users": User.objects.filter(username__startswith="demo-").count(),
    }
    expected = {
        "customers": 20,
        "sites": 100,
        "contacts": 100,
        "objects": 2000,
        "attributes": 1455,
        "history": 1906,
        "users": 6,
    }
    assert counts == expected
    assert small.counts == expected
    assert dict(Counter(ServiceObject.objects.values_list("status", flat=True))) == {
        "active": 1920,
        "retired": 49,
        "in_repair": 16,
        "on_loan": 15,
    }
    assert dict(Counter(Customer.objects.values_list("country", flat=True))) == {"FR": 8, "CA": 8, "JP": 4}


def test_one_audit_event_records_the_load_and_the_users_are_created_through_the_service(small) -> None:
    assert dict(Counter(AuditEvent.objects.values_list("action", flat=True))) == {
        "demo.load": 1,
        "user.create": 6,
    }
    event = AuditEvent.objects.get(action="demo.load")
    assert (event.actor_label, event.object_type, event.object_id) == ("demo", "demo.load", "1")
    assert event.after == {
        "size": "small",
        "seed": 1,
        "today": "2026-03-02",
        "customers": 20,
        "sites": 100,
        "contacts": 100,
        "objects": 2000,
        "attributes": 1455,
        "history": 1906,
        "users": 6,
    }


def test_customers_sites_and_contacts_are_plausible_for_their_country(small) -> None:
    languages = {(c.country, c.timezone, c.language) for c in Customer.objects.all()}
    assert languages == {
        ("FR", "Europe/Paris", "fr"),
        ("CA", "America/Toronto", "fr"),
        ("CA", "America/Toronto", "en"),
        ("JP", "Asia/Tokyo", "en"),
    }
    prefixes = {"FR": "+33", "CA": "+1", "JP": "+81"}
    assert all(c.phone.startswith(prefixes[c.country]) for c in Customer.objects.all())
    vat_shapes = {"FR": r"^FR\d{11}$", "CA": r"^\d{9}RT0001$", "JP": r"^T\d{13}$"}
    for country, shape in vat_shapes.items():
        assert Customer.objects.filter(country=country).exclude(vat_number__regex=shape).count() == 0
    regions = set(Site.objects.values_list("city", "region").distinct())
    assert ("Strasbourg", "6AE") in regions and ("Montréal", "QC") in regions and ("Tokyo", "13") in regions
    assert {r for city, r in regions if city in ("Paris", "Lyon", "Marseille", "Lille")} <= {
        "IDF",
        "ARA",
        "PAC",
        "HDF",
    }
    districts = {city.name: city.districts for city in CITIES}
    for site in Site.objects.all():  # within 1.2 km north-south and east-west of a district of its city
        assert any(abs(site.latitude - d.lat) < 0.011 and abs(site.longitude - d.lon) < 0.018
                   for d in districts[site.city]), site.name
    assert Site.objects.exclude(access_hours={}).count() == 100
    lunch_breaks = [s for s in Site.objects.all() if any(len(day) == 2 for day in s.access_hours.values())]
    assert len(lunch_breaks) == 43
    assert Contact.objects.exclude(phone__startswith="+").count() == 0


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows(db: None) -> None:
    first, again, other = digest_of_load(1), digest_of_load(1), digest_of_load(2)

    assert first == again
    assert other != first


def test_serials_are_unique_per_model_and_every_machine_has_one(small) -> None:
    duplicates = (
        ServiceObject.objects.exclude(serial_number="")
        .values("equipment_model", "serial_number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert list(duplicates) == []
    assert ServiceObject.objects.filter(equipment_model__isnull=False, serial_number="").count() == 0
    assert ServiceObject.objects.filter(equipment_model__isnull=True).exclude(serial_number="").count() == 0


def test_every_tree_path_is_made_of_its_parents_path(small) -> None:
    rows = {
        pk: (parent, site, path, depth)
        for pk, parent, site, path, depth in ServiceObject.objects.values_list(
            "pk", "parent_id", "site_id", "path", "depth"
        )
    }
    for pk, (parent, site, path, depth) in rows.items():
        parent_path = rows[parent][2] if parent is not None else None
        assert path == domain.node_path(parent_path, pk)
        assert depth == domain.depth_of(path)
        assert parent is None or rows[parent][1] == site
    assert Counter(depth for _, _, _, depth in rows.values()) == {0: 185, 1: 409, 2: 1144, 3: 262}


def test_if_empty_loads_once_then_does_nothing(db: None) -> None:
    out = StringIO()
    with clock.frozen(DAY):
        call_command("demo", "load", "--if-empty", "--no-progress", stdout=out)
        call_command("demo", "load", "--if-empty", "--no-progress", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("demo: loaded the small network (seed 1) in ")
    assert lines[-1] == "demo: the database already has customers; nothing loaded (--if-empty)."
    assert (Customer.objects.count(), ServiceObject.objects.count()) == (20, 2000)
    assert AuditEvent.objects.filter(action="demo.load").count() == 1
    with pytest.raises(CommandError, match="already has customers"):
        call_command("demo", "load", "--no-progress", stdout=StringIO())


def test_demo_logins_lists_one_user_per_role_with_the_password_in_development(small, settings) -> None:
    settings.DEV = True
    out = StringIO()

    call_command("demo", "logins", stdout=out)

    table = out.getvalue()
    for role in ("admin", "manager", "dispatcher", "agent", "technician", "customer"):
        assert f"demo-{role}" in table
    assert table.count(DEMO_PASSWORD) == 6
    assert "the technician app (works offline, installable) is at /m/" in table
    customer = User.objects.get(username="demo-customer").customer
    assert customer is not None and customer.name in table


def test_demo_logins_are_refused_outside_development(small, settings) -> None:
    settings.DEV = False

    with pytest.raises(
        CommandError, match=r"^demo logins are shown only in development \(TOURNEVIS_DEV=1\)\.$"
    ):
        call_command("demo", "logins", stdout=StringIO())


def test_the_cli_refuses_demo_logins_outside_development_with_one_line_and_a_failure_code(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TOURNEVIS_DEV", "DATABASE_URL", "DEBUG")}
    env |= {"SECRET_KEY": "test-only-not-dev", "TOURNEVIS_VAR_DIR": str(tmp_path)}

    run = subprocess.run(
        [sys.executable, "-m", "tournevis.cli", "demo", "logins"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        "CommandError: demo logins are shown only in development (TOURNEVIS_DEV=1)."
    ]


def test_outside_development_the_demo_users_get_no_usable_password(db: None, settings) -> None:
    settings.DEV = False
    load()

    users = User.objects.filter(username__startswith="demo-")
    assert users.count() == 6
    assert not any(user.has_usable_password() for user in users)


# --- Search over the demo -----------------------------------------------------------------------------

STAFF = Actor(user_id=None, label="tests", role="agent")


def test_search_finds_a_machine_by_exact_lower_case_prefix_and_partial_serial(small) -> None:
    machine = ServiceObject.objects.exclude(serial_number="").order_by("id")[100]
    serial = machine.serial_number

    for query in (serial, serial.lower(), serial[:-3], serial[3:-2]):
        found = queries.search(STAFF, query, limit=100)
        assert machine.pk in [o.pk for o in found.objects], query
    assert queries.search(STAFF, serial).objects[0] == machine


def test_search_finds_objects_sites_and_customers_by_name(small) -> None:
    customer = Customer.objects.order_by("id")[5]
    site = Site.objects.filter(city="Strasbourg").order_by("id").first()
    assert site is not None

    by_customer = queries.search(STAFF, customer.name)
    by_site = queries.search(STAFF, site.name)
    by_word = queries.search(STAFF, "Trieuse", limit=5)

    assert customer in by_customer.customers
    assert site in by_site.sites
    assert len(by_word.objects) == 5 and all("Trieuse" in o.name for o in by_word.objects)
    assert [o.pk for o in by_word.objects] == sorted(o.pk for o in by_word.objects)
    assert queries.search(STAFF, "ZZQX-404") == queries.SearchResults("ZZQX-404", [], [], [])


def test_a_customer_user_searches_only_its_own_customer(small) -> None:
    user = User.objects.get(username="demo-customer")
    actor = actor_for(user)
    other = ServiceObject.objects.exclude(site__customer=user.customer).exclude(serial_number="").first()
    assert other is not None

    mine = queries.search(actor, "Empileur", limit=100)
    theirs = queries.search(actor, other.serial_number)

    assert mine.objects and {o.site.customer_id for o in mine.objects} == {user.customer_id}
    assert (theirs.objects, theirs.sites, theirs.customers) == ([], [], [])
    assert {c.pk for c in queries.search(actor, "an").customers} <= {user.customer_id}


@pytest.mark.postgres
def test_on_postgresql_contained_serials_and_names_use_the_trigram_indexes(small) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = []
        for column in ("serial_number", "name"):
            cursor.execute(
                f"EXPLAIN SELECT id FROM installed_base_serviceobject "
                f"WHERE UPPER({column}::text) LIKE UPPER(%s)",
                ["%ZQX%"],
            )
            plans.append(" ".join(row[0] for row in cursor.fetchall()))
    assert "installed_base_serial_trgm" in plans[0]
    assert "installed_base_name_trgm" in plans[1]
