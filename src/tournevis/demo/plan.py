"""The demo network's organisations: customers, their sites and contacts, drawn from a seed. Pure.

Every value goes through the same validation as the services (``customers.domain.clean_customer``,
``clean_site``, ``clean_contact``), so the bulk loader writes exactly what the services would accept.
Equipment trees are drawn per site by ``trees.py``.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tournevis.customers.domain import clean_contact, clean_customer, clean_site
from tournevis.demo import catalogue
from tournevis.demo.places import BY_CODE, MARKETS, MOBILE_PREFIXES, City, near, phone_number, street_address


@dataclass(frozen=True)
class Size:
    """How big a demo is: organisations, sites, and service objects (exactly)."""

    name: str
    customers: int
    sites: int
    objects: int

    def __post_init__(self) -> None:
        if not (1 <= self.customers <= self.sites and self.objects >= 3 * self.sites):
            raise ValueError("a demo needs 1 ≤ customers ≤ sites and at least 3 objects per site")


SIZES = {
    "small": Size("small", customers=20, sites=100, objects=2_000),
    "large": Size("large", customers=300, sites=5_000, objects=100_000),
}


@dataclass
class CustomerPlan:
    index: int
    kind: str
    market: str
    home: City
    code: str
    domain: str
    fields: dict[str, Any]
    dealer: int | None = None  # the dealer customer that manages its equipment
    preferred: dict[str, int] = field(default_factory=dict)  # category -> model index


@dataclass
class SitePlan:
    index: int
    customer: int
    kind: str
    city: City
    fields: dict[str, Any]
    budget: int = 0  # service objects on this site


@dataclass
class ContactPlan:
    customer: int
    site: int | None
    fields: dict[str, Any]


@dataclass
class Plan:
    size: Size
    seed: int
    today: date
    customers: list[CustomerPlan]
    sites: list[SitePlan]
    contacts: list[ContactPlan]


_MARKET_ROTATION = ("FR", "QC", "ON", "JP", "FR", "FR", "QC", "JP", "ON", "FR")
_KIND_WEIGHTS = (("bank", 4), ("retail", 4), ("dealer", 1), ("cit", 1), ("casino", 1))
_SITES_PER_KIND = {"bank": 5.0, "retail": 5.0, "dealer": 0.6, "cit": 0.6, "casino": 0.5}


def weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...] | list[tuple[Any, float]]) -> Any:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def apportion(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder), each ≥ ``minimum``."""
    spare = total - minimum * len(weights)
    scale = sum(weights)
    shares = [spare * w / scale for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for i in order[: spare - sum(counts)]:
        counts[i] += 1
    return [minimum + c for c in counts]


def ascii_slug(text: str, sep: str = "-") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", sep, plain.lower()).strip(sep)


# --- VAT numbers of the right shape and check digits ------------------------------------------------


def _luhn_complete(digits: str) -> str:
    """Append the Luhn check digit."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return digits + str((10 - total % 10) % 10)


def vat_number(rng: random.Random, country: str) -> str:
    """FR: FR + key + SIREN; CA: business number + RT0001 (GST/HST); JP: T + corporate number."""
    if country == "FR":
        siren = _luhn_complete(str(rng.randint(30_000_000, 99_999_999)))
        return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
    if country == "CA":
        return _luhn_complete(str(rng.randint(10_000_000, 89_999_999))) + "RT0001"
    base = f"{rng.randint(10**11, 10**12 - 1)}"
    weights = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(base), start=1))
    return f"T{9 - weights % 9}{base}"


# --- Customers -------------------------------------------------------------------------------------


def _customer_name(rng: random.Random, market: str, kind: str, taken: set[str]) -> str:
    patterns, roots = catalogue.ORG_NAMES[market][kind]
    for _ in range(50):
        name = rng.choice(patterns).format(rng.choice(roots))
        if name not in taken:
            return name
    base = rng.choice(patterns).format(rng.choice(roots))
    n = 2
    while f"{base} {n}" in taken:
        n += 1
    return f"{base} {n}"


def _code(name: str, taken: set[str]) -> str:
    words = [w for w in re.split(r"[^A-Za-z]+", ascii_slug(name, " ").upper()) if len(w) > 2]
    code = "".join(w[0] for w in words)[:3]
    code = (code + (words[-1][1:] if words else "XYZ"))[:3] if len(code) < 3 else code
    candidate, n = code, 2
    while candidate in taken:
        candidate, n = f"{code}{n}", n + 1
    taken.add(candidate)
    return candidate


def _customers(rng: random.Random, size: Size) -> list[CustomerPlan]:
    names: set[str] = set()
    codes: set[str] = set()
    seen_markets: set[str] = set()
    out: list[CustomerPlan] = []
    for index in range(size.customers):
        market = _MARKET_ROTATION[index % len(_MARKET_ROTATION)]
        kind = "dealer" if market not in seen_markets else weighted(rng, _KIND_WEIGHTS)
        seen_markets.add(market)
        home = BY_CODE[weighted(rng, [(c, BY_CODE[c].weight) for c in MARKETS[market]])]
        name = _customer_name(rng, market, kind, names)
        names.add(name)
        fields = clean_customer({
            "name": name,
            "country": home.country,
            "language": home.language,
            "timezone": home.timezone,
            "vat_number": vat_number(rng, home.country),
            "tier": weighted(rng, catalogue.TIERS[kind]),
            "phone": phone_number(rng, home.phone_prefixes, home.country),
        })
        code, domain = _code(name, codes), ascii_slug(name) + ".example"
        out.append(CustomerPlan(index, kind, market, home, code, domain, fields))
    dealers: dict[str, list[int]] = {}
    for c in out:
        if c.kind == "dealer":
            dealers.setdefault(c.fields["country"], []).append(c.index)
    for c in out:
        local = dealers.get(c.fields["country"], [])
        if c.kind != "dealer" and local and rng.random() < 0.5:
            c.dealer = rng.choice(local)
    return out


# --- Sites -----------------------------------------------------------------------------------------


def access_hours(rng: random.Random, kind: str, country: str) -> dict[str, list[list[str]]]:
    week = ("mon", "tue", "wed", "thu", "fri")
    if kind == "casino":
        return {d: [["10:00", "24:00"]] for d in (*week, "sat", "sun")}
    if kind == "cash-centre":
        return {**{d: [["06:00", "22:00"]] for d in week}, "sat": [["06:00", "14:00"]]}
    if kind == "workshop":
        return {d: [["08:00", "12:00"], ["13:30", "17:30"]] for d in week}
    if kind == "store":
        if country == "JP":
            return {d: [["10:00", "21:00"]] for d in (*week, "sat", "sun")}
        hours = {d: [["08:30", "20:00"]] for d in (*week, "sat")}
        if country != "FR" or rng.random() < 0.4:
            hours["sun"] = [["09:00", "12:30"]] if country == "FR" else [["10:00", "18:00"]]
        return hours
    if kind == "hq":
        if country == "FR":
            return {d: [["08:30", "12:00"], ["13:30", "18:00"]] for d in week}
        return {d: [["08:00", "17:30"]] for d in week}
    # Branches: French ones often open Tuesday to Saturday with a lunch break.
    if country == "FR":
        days = ("tue", "wed", "thu", "fri") if rng.random() < 0.6 else week
        hours = {d: [["09:00", "12:30"], ["14:00", "17:30"]] for d in days}
        if "mon" not in days:
            hours["sat"] = [["09:00", "12:30"]]
        return hours
    if country == "JP":
        return {d: [["08:30", "17:00"]] for d in week}
    hours = {d: [["09:30", "17:00"]] for d in week}
    hours["thu"] = [["09:30", "20:00"]]
    if rng.random() < 0.5:
        hours["sat"] = [["09:00", "13:00"]]
    return hours


def _site_cities(customer: CustomerPlan, rng: random.Random) -> list[tuple[City, float]]:
    markets = [customer.market]
    if customer.market in ("QC", "ON") and customer.kind in ("bank", "retail") and rng.random() < 0.25:
        markets = ["QC", "ON"]  # a national chain
    cities = [BY_CODE[code] for market in markets for code in MARKETS[market]]
    return [(c, c.weight * (3.0 if c is customer.home else 1.0)) for c in cities]


def _sites(rng: random.Random, size: Size, customers: list[CustomerPlan]) -> list[SitePlan]:
    weights = [_SITES_PER_KIND[c.kind] * rng.uniform(0.3, 2.0) for c in customers]
    counts = apportion(size.sites, weights, minimum=1)
    out: list[SitePlan] = []
    for customer, count in zip(customers, counts, strict=True):
        cities = _site_cities(customer, rng)
        mix = catalogue.SITE_MIX[customer.kind]
        names: set[str] = set()
        for n in range(count):
            kind = mix[0][0] if n == 0 else weighted(rng, mix[1:])
            city = customer.home if n == 0 else weighted(rng, cities)
            district = rng.choice(city.districts)
            street, line1, line2 = street_address(rng, city, district)
            label = catalogue.SITE_KINDS[kind]
            lang = customer.fields["language"]
            name = (f"{label['fr']} {city.name} {district.name}" if lang == "fr"
                    else f"{city.name} {district.name} {label['en']}")
            if name in names:
                name = f"{name} ({street})"
                k = 2
                while name in names:
                    name = f"{name.rsplit(' #', 1)[0]} #{k}"
                    k += 1
            names.add(name)
            lat, lon = near(rng, district.lat, district.lon)
            notes_lang = "fr" if city.language == "fr" else "en"
            notes = rng.sample(catalogue.ACCESS_NOTES[notes_lang], k=rng.choice((0, 1, 1, 2)))
            fields = clean_site({
                "name": name,
                "code": f"{customer.code}-{city.code}-{n + 1:03d}",
                "address_line1": line1,
                "address_line2": line2,
                "postal_code": rng.choice(district.postal_codes),
                "city": city.name,
                "country": city.country,
                "region": city.region,
                "timezone": city.timezone,
                "latitude": lat,
                "longitude": lon,
                "access_hours": access_hours(rng, kind, city.country),
                "access_notes": " ".join(notes),
            })
            out.append(SitePlan(len(out), customer.index, kind, city, fields))
    site_weights = [float(catalogue.SITE_KINDS[s.kind]["weight"]) * rng.uniform(0.6, 1.5) for s in out]  # type: ignore[arg-type]
    for site, budget in zip(out, apportion(size.objects, site_weights, minimum=3), strict=True):
        site.budget = budget
    return out


# --- Contacts --------------------------------------------------------------------------------------


def _person(rng: random.Random, city: City) -> tuple[str, str, str]:
    """(first name, last name, UI language) of someone working in ``city``."""
    names = {"FR": "fr", "JP": "ja"}.get(city.country, "qc" if city.language == "fr" else "en")
    first, last = rng.choice(catalogue.FIRST_NAMES[names]), rng.choice(catalogue.LAST_NAMES[names])
    return first, last, ("fr" if names in ("fr", "qc") else "en")


def _contact(rng: random.Random, customer: CustomerPlan, city: City, site: int | None) -> ContactPlan:
    first, last, lang = _person(rng, city)
    mobile = MOBILE_PREFIXES.get(city.country, city.phone_prefixes)
    prefixes = mobile if rng.random() < 0.4 else city.phone_prefixes
    fields = clean_contact({
        "name": f"{first} {last}",
        "email": f"{ascii_slug(first, '.')}.{ascii_slug(last, '.')}@{customer.domain}",
        "phone": phone_number(rng, prefixes, city.country),
        "language": lang,
        "job_title": rng.choice(catalogue.JOB_TITLES[customer.kind])[1 if lang == "fr" else 0],
        "notify_by_email": rng.random() < 0.9,
        "notify_by_sms": rng.random() < 0.3,
        "receives_reports": rng.random() < 0.4,
    }, country=city.country)
    return ContactPlan(customer.index, site, fields)


def make_plan(size: Size, seed: int, today: date) -> Plan:
    rng = random.Random(f"tournevis-demo:{seed}:plan")
    customers = _customers(rng, size)
    for customer in customers:  # brand loyalty: most machines of a category come from one model
        for spec in catalogue.CATEGORIES:
            models = [i for i, m in enumerate(catalogue.MODELS) if m.category == spec.code]
            if spec.code in ("router", "switch"):
                makers = catalogue.NETWORK_JP if customer.market == "JP" else catalogue.NETWORK_OTHER
                models = [i for i in models if catalogue.MODELS[i].manufacturer in makers] or models
            customer.preferred[spec.code] = rng.choice(models)
    sites = _sites(rng, size, customers)
    contacts: list[ContactPlan] = []
    for customer in customers:
        for _ in range(rng.randint(1, 3)):
            contacts.append(_contact(rng, customer, customer.home, None))
    for site in sites:
        if rng.random() < 0.5:
            contacts.append(_contact(rng, customers[site.customer], site.city, site.index))
    return Plan(size, seed, today, customers, sites, contacts)
