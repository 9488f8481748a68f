"""Read side of the installed base: tree levels, subtrees, search, attributes as of a moment, history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Upper

from tournevis.core.actor import Actor
from tournevis.customers.access import visible_customers, visible_sites
from tournevis.customers.models import Customer, Site
from tournevis.installed_base import domain
from tournevis.installed_base.access import visible_objects
from tournevis.installed_base.models import Attribute, HistoryEntry, ServiceObject

_RELATED = ("site", "site__customer", "category", "equipment_model")


def with_has_children(qs: QuerySet[ServiceObject]) -> QuerySet[ServiceObject]:
    return qs.annotate(has_children=Exists(ServiceObject.objects.filter(parent_id=OuterRef("pk"))))


def children(actor: Actor, *, site_id: int, parent_id: int | None) -> QuerySet[ServiceObject]:
    """One level of a site's tree (the roots when ``parent_id`` is None), for lazy browsing."""
    qs = visible_objects(actor).filter(site_id=site_id, parent_id=parent_id)
    return with_has_children(qs.select_related("category", "equipment_model")).order_by("name", "id")


def subtree(obj: ServiceObject) -> QuerySet[ServiceObject]:
    """The object and all its descendants, in tree (path) order."""
    return (
        ServiceObject.objects.filter(path__gte=obj.path, path__lt=domain.subtree_upper_bound(obj.path))
        .select_related("category", "equipment_model")
        .order_by("path")
    )


def ancestors(obj: ServiceObject) -> list[ServiceObject]:
    ids = [int(part) for part in obj.path.strip("/").split("/")[:-1]]
    by_id = ServiceObject.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def list_objects(
    actor: Actor,
    *,
    customer_id: int | None = None,
    site_id: int | None = None,
    parent_id: int | None = None,
    category: str | None = None,
    status: str | None = None,
    serial: str | None = None,
) -> QuerySet[ServiceObject]:
    qs = visible_objects(actor).select_related(*_RELATED)
    if customer_id is not None:
        qs = qs.filter(site__customer_id=customer_id)
    if site_id is not None:
        qs = qs.filter(site_id=site_id)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    if category:
        qs = qs.filter(category__code=category)
    if status:
        qs = qs.filter(status=status)
    if serial:
        qs = qs.filter(serial_number=domain.clean_serial(serial))
    return qs.order_by("id")


@dataclass(frozen=True)
class SearchResults:
    query: str
    objects: list[ServiceObject]
    sites: list[Site]
    customers: list[Customer]


def search(actor: Actor, query: str, *, limit: int = 20) -> SearchResults:
    """Objects by serial (exact, then prefix, then contained) or name; sites and customers by name.

    Objects are found in two steps: the matching ids (one narrow query per kind of match, no joins),
    then those rows with their site, customer, category and model. How each kind of match is served
    (docs/performance.md has the measurements, bench/search.py reruns them):

    - exact serial: the serial B-tree index (serials are stored upper-case, ``domain.clean_serial``);
    - serial prefix: SQLite, a range on the same index; PostgreSQL, ``UPPER(serial) LIKE 'X%'`` on a
      pg_trgm GIN index (correct whatever the database collation; migration 0002);
    - serial or name contained: PostgreSQL, ``UPPER(col) LIKE '%x%'`` (Django's ``icontains``) on
      pg_trgm GIN indexes of ``UPPER(serial_number)`` and ``UPPER(name)``; SQLite, one scan of the
      table with LIKE (about 10 ms per 100,000 objects, stopping early once ``limit`` rows are found).

    A customer user's search is scoped by ``visible_objects`` / ``visible_sites`` / ``visible_customers``.
    """
    term = query.strip()[:100]
    if len(term) < 2:
        return SearchResults(term, [], [], [])
    serial = "".join(term.split()).upper()
    scope = visible_objects(actor)
    on_postgres = connections[scope.db].vendor == "postgresql"
    ids: list[int] = []

    def take(qs: QuerySet[ServiceObject]) -> None:
        if len(ids) < limit:
            ids.extend(qs.exclude(pk__in=ids).values_list("pk", flat=True)[: limit - len(ids)])

    take(scope.filter(serial_number=serial).order_by("id"))
    if on_postgres:
        # Ordered by UPPER(serial), not serial: an ordered walk of the B-tree would filter row by row.
        take(scope.filter(serial_number__istartswith=serial).order_by(Upper("serial_number"), "id"))
        take(scope.filter(Q(serial_number__icontains=serial) | Q(name__icontains=term)).order_by("id"))
    else:
        in_range = {"serial_number__gt": serial, "serial_number__lt": serial + "\uffff"}
        take(scope.filter(**in_range).order_by("serial_number"))
        take(scope.filter(Q(serial_number__contains=serial) | Q(name__icontains=term)).order_by("id"))
    by_id = ServiceObject.objects.select_related(*_RELATED).in_bulk(ids)
    objects = [by_id[pk] for pk in ids if pk in by_id]
    sites = list(
        visible_sites(actor)
        .filter(Q(name__icontains=term) | Q(city__icontains=term) | Q(code__iexact=term))
        .order_by("name", "id")[:limit]
    )
    customers = list(visible_customers(actor).filter(name__icontains=term).order_by("name", "id")[:limit])
    return SearchResults(term, objects, sites, customers)


def moment_for(as_of: date | datetime | None, tz_name: str, now: datetime) -> datetime:
    """A date means the end of that day in the site's time zone; None means now."""
    if as_of is None:
        return now
    if isinstance(as_of, datetime):
        if as_of.tzinfo is None:
            return as_of.replace(tzinfo=ZoneInfo(tz_name))
        return as_of
    end_of_day = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=ZoneInfo(tz_name))
    return end_of_day - timedelta(microseconds=1)


def attributes_as_of(obj: ServiceObject, moment: datetime) -> dict[str, domain.Dated]:
    records = [
        domain.Dated(key=a.key, value=a.value, valid_from=a.valid_from, seq=a.pk)
        for a in Attribute.objects.filter(service_object=obj, valid_from__lte=moment).order_by(
            "key", "valid_from", "id"
        )
    ]
    return domain.as_of(records, moment)


def attribute_history(obj: ServiceObject) -> QuerySet[Attribute]:
    return Attribute.objects.filter(service_object=obj).order_by("key", "-valid_from", "-id")


def history(obj: ServiceObject, *, limit: int = 200) -> list[HistoryEntry]:
    return list(HistoryEntry.objects.filter(service_object=obj).order_by("-at", "-id")[:limit])
