"""Intake benchmark: MQTT readings per second with dedupe, API ticket creations per second, e-mails.

    TOURNEVIS_DEV=1 .venv/bin/python bench/intake.py                  # every section
    TOURNEVIS_DEV=1 .venv/bin/python bench/intake.py --only mqtt      # one section
    TOURNEVIS_DEV=1 .venv/bin/python bench/intake.py --messages 50000 --devices 100

Section ``mqtt``: a child process (the intake, ``telemetry.intake_mqtt.Intake`` with its default
batching) runs on a throwaway database — a temporary SQLite file, or, when ``DATABASE_URL`` is set, a
sibling PostgreSQL database ``<name>_bench_intake`` created and dropped here — with ``--devices``
devices bound to one object and an alert rule on their equipment model. This process publishes
``--messages`` readings at QoS 1 to the real broker (``MQTT_URL``, default 127.0.0.1:1883), 5 % of
them (``--duplicates``) repeating an earlier (device, seq), and keeps at most ``--window`` messages
ahead of the intake (the broker caps each client's queue; nothing must be dropped). The figure is
messages acknowledged per second from the first publish to the last commit, and the unique readings
stored; the intake's own busy time (store + ack) is printed too.

Section ``api``: ``POST /api/v1/tickets`` with an ``Idempotency-Key`` through Django's test Client
(an agent's API token, a site of a customer under contract-less time and materials), on a throwaway
database in a child process; 5 % of the requests replay an earlier key (answered from the stored
response, no new ticket). The figure is tickets created per second.

Section ``email``: ``bench/intake_email.py``'s ``run(console)`` (when that file exists), in a child
process (Django's settings are per process).

It prints figures; it is not a test and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883"


def rate(count: int, seconds: float, unit: str = "/s") -> str:
    return f"{count / seconds:,.0f}{unit} ({count:,} in {seconds:.2f} s)" if seconds > 0 else "n/a"


# --- Throwaway databases ----------------------------------------------------------------------------


def _sibling_url(url: str, suffix: str) -> tuple[str, str]:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'postgres'}_{suffix}"
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def throwaway_env(suffix: str) -> tuple[dict[str, str], Callable[[], None]]:
    """The environment of a child process on a fresh database, and its cleanup."""
    env = {**os.environ, "TOURNEVIS_DEV": "1", "DJANGO_SETTINGS_MODULE": "tournevis.settings"}
    server = os.environ.get("DATABASE_URL", "")
    if server.startswith(("postgres://", "postgresql://")):
        url, name = _sibling_url(server, suffix)
        _admin(server, f'DROP DATABASE IF EXISTS "{name}"')
        _admin(server, f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = url

        def drop() -> None:
            _admin(server, f'DROP DATABASE IF EXISTS "{name}"')

        return env, drop
    env.pop("DATABASE_URL", None)
    var = tempfile.TemporaryDirectory(prefix=f"tournevis-{suffix}-")
    env["TOURNEVIS_VAR_DIR"] = var.name
    return env, var.cleanup


def _django() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _world(devices: int, prefix: str) -> list[str]:
    """A customer, a site, a counting machine with ``devices`` sensors, an alert rule on its model."""
    from tournevis.core.actor import Actor
    from tournevis.customers import services as customer_services
    from tournevis.installed_base import services as ib_services
    from tournevis.telemetry import services as telemetry_services

    actor = Actor.system("bench")
    customer = customer_services.create_customer(
        actor, {"name": "Bench Bank", "country": "FR", "timezone": "Europe/Paris", "tier": "gold"}
    )
    site = customer_services.create_site(actor, customer.pk, {"name": "Bench HQ", "city": "Paris"})
    category = ib_services.create_category(actor, code="bench", name_en="Bench", name_fr="Banc")
    model = ib_services.create_equipment_model(
        actor, manufacturer="Glory", name="Bench", category_id=category.pk
    )
    machine = ib_services.create_object(
        actor, {"site_id": site.pk, "name": "Counter", "equipment_model_id": model.pk, "serial_number": "B-1"}
    )
    telemetry_services.create_rule(
        actor,
        {
            "equipment_model_id": model.pk,
            "kind": "threshold",
            "metric": "temperature",
            "operator": ">",
            "value": 95,
            "clear_value": 85,
            "title": "Overheating",
        },
    )
    names = [f"{prefix}-{n:04d}" for n in range(devices)]
    for name in names:
        telemetry_services.create_device(actor, {"device_id": name, "service_object_id": machine.pk})
    return names


# --- MQTT -------------------------------------------------------------------------------------------


def mqtt_worker(args: argparse.Namespace) -> None:
    """Child process: the intake on the throwaway database; reports progress on stdout."""
    _django()
    from tournevis.telemetry.intake_mqtt import Intake

    names = _world(args.devices, args.prefix)
    intake = Intake(
        args.mqtt_url,
        f"tournevis-bench-{args.prefix}",
        topic=[f"tournevis/{n}/telemetry" for n in names],
        session_expiry=60,
    )
    intake.connect()
    print("READY", flush=True)
    processed = stored = duplicates = opened = batches = 0
    deadline = time.monotonic() + args.timeout
    while processed < args.messages and time.monotonic() < deadline:
        result = intake.poll(0.2)
        if result is None:
            continue
        processed += result.received
        batches += 1
        stored += result.stored
        duplicates += result.duplicates
        opened += len(result.opened)
        print(f"P {processed}", flush=True)
    intake.close()
    from tournevis.telemetry.models import Reading

    print(
        "DONE "
        + json.dumps(
            {
                "processed": processed,
                "stored": stored,
                "duplicates": duplicates,
                "episodes": opened,
                "in_db": Reading.objects.count(),
                "busy": intake.busy_seconds,
                "batches": batches,
            }
        ),
        flush=True,
    )


def _publish(args: argparse.Namespace, progress_of: Callable[[], int], progress: Progress) -> float:
    """Publish the messages (with duplicates), never more than ``window`` ahead of the intake."""
    from urllib.parse import urlsplit

    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    broker = urlsplit(args.mqtt_url)  # this process has no Django: no tournevis import here
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{args.prefix}", protocol=mqtt.MQTTv5
    )
    if broker.username:
        client.username_pw_set(broker.username, broker.password)
    if broker.scheme == "mqtts":
        client.tls_set()
    client.max_inflight_messages_set(1000)
    client.connect(
        broker.hostname or "127.0.0.1", broker.port or (8883 if broker.scheme == "mqtts" else 1883)
    )
    client.loop_start()
    rng = random.Random(args.seed)
    names = [f"{args.prefix}-{n:04d}" for n in range(args.devices)]
    seqs = dict.fromkeys(names, 0)
    start_at = datetime.now(UTC) - timedelta(hours=1)
    sent: list[tuple[str, bytes]] = []
    task = progress.add_task("publish (QoS 1)", total=args.messages)
    began = time.perf_counter()
    infos = []
    for i in range(args.messages):
        while i - progress_of() > args.window:
            time.sleep(0.002)
        if sent and rng.random() < args.duplicates:
            topic, body = rng.choice(sent)
        else:
            name = names[i % len(names)]
            seqs[name] += 1
            body = json.dumps(
                {
                    "device": name,
                    "seq": seqs[name],
                    "time": (start_at + timedelta(milliseconds=100 * i)).isoformat(),
                    "readings": {
                        "temperature": round(rng.gauss(70, 8), 2),
                        "pressure": round(rng.gauss(2, 0.1), 3),
                    },
                }
            ).encode()
            topic = f"tournevis/{name}/telemetry"
            sent.append((topic, body))
        infos.append(client.publish(topic, body, qos=1))
        progress.update(task, completed=i + 1)
    for info in infos:
        info.wait_for_publish(30)
    client.disconnect()
    client.loop_stop()
    return began


def section_mqtt(args: argparse.Namespace, console: Console) -> list[tuple[str, str]]:
    env, cleanup = throwaway_env("bench_intake")
    args.prefix = f"bench-{uuid.uuid4().hex[:6]}"
    processed = [0]
    done: dict[str, Any] = {}
    finished = threading.Event()
    child = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [
            sys.executable,
            __file__,
            "--mqtt-worker",
            f"--messages={args.messages}",
            f"--devices={args.devices}",
            f"--prefix={args.prefix}",
            f"--mqtt-url={args.mqtt_url}",
            f"--timeout={args.timeout}",
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    ready = threading.Event()
    end = [0.0]

    def read(stream: TextIO) -> None:
        for line in stream:
            if line.startswith("P "):
                processed[0] = int(line[2:])
            elif line.startswith("READY"):
                ready.set()
            elif line.startswith("DONE "):
                end[0] = time.perf_counter()
                done.update(json.loads(line[5:]))
        finished.set()

    assert child.stdout is not None
    reader = threading.Thread(target=read, args=(child.stdout,), daemon=True)
    reader.start()
    try:
        if not ready.wait(120):
            return [("mqtt", "the intake did not start")]
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            began = _publish(args, lambda: processed[0], progress)
            task = progress.add_task("ingest (stored + acked)", total=args.messages)
            while not finished.wait(0.1):
                progress.update(task, completed=processed[0])
            progress.update(task, completed=processed[0])
        child.wait(60)
    finally:
        if child.poll() is None:
            child.terminate()
        cleanup()
    if not done:
        return [("mqtt", "the intake stopped before reporting")]
    seconds = end[0] - began
    unique = done["stored"]
    return [
        ("messages acknowledged (incl. duplicates)", rate(done["processed"], seconds)),
        ("readings stored (unique)", rate(unique, seconds)),
        ("duplicates dropped", f"{done['duplicates']:,}"),
        (
            "readings in the database",
            f"{done['in_db']:,} ({'none lost' if done['in_db'] == unique else 'MISMATCH'})",
        ),
        ("alert episodes opened", f"{done['episodes']:,}"),
        ("intake busy rate (store + ack only)", rate(done["processed"], done["busy"])),
        (
            "batches (one transaction each)",
            f"{done['batches']:,}, {done['processed'] / max(done['batches'], 1):.0f} messages on average",
        ),
    ]


# --- API ticket creations ---------------------------------------------------------------------------


def api_worker(args: argparse.Namespace) -> None:
    """Child process: POST /api/v1/tickets with Idempotency-Key through Django's test Client."""
    _django()
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host is allowed; e-mail goes to memory
    from tournevis.core.actor import Actor
    from tournevis.customers import services as customer_services
    from tournevis.identity import services as identity_services
    from tournevis.tickets.models import Ticket

    actor = Actor.system("bench")
    customer = customer_services.create_customer(
        actor, {"name": "Bench Bank", "country": "FR", "timezone": "Europe/Paris", "tier": "gold"}
    )
    site = customer_services.create_site(actor, customer.pk, {"name": "Bench HQ", "city": "Paris"})
    _covered(actor, customer.pk, site.pk)  # every ticket gets its four SLA clocks, as under contract
    user = identity_services.create_user(
        actor,
        username="bench-agent",
        role="agent",
        email="agent@bench.example",
        password="Correct-horse-battery-9",  # noqa: S106 (a throwaway database)
    )
    _, token = identity_services.create_token(actor, user, name="bench")
    figures = api_ticket_creations(Client(HTTP_AUTHORIZATION=f"Bearer {token}"), site.pk, args)
    print(f"TICKETS {json.dumps(figures)}")
    print(f"IN_DB {Ticket.objects.count()}", flush=True)


def _covered(actor: Any, customer_id: int, site_id: int) -> None:
    """A Gold maintenance contract on a Paris business calendar (split days, French holidays)."""
    from datetime import date

    from tournevis.contracts import services as contract_services
    from tournevis.contracts import services_tiers

    days = ("mon", "tue", "wed", "thu", "fri")
    calendar = services_tiers.create_calendar(
        actor,
        {
            "name": "Paris office",
            "timezone": "Europe/Paris",
            "slots": {day: [["08:00", "12:00"], ["13:30", "18:00"]] for day in days},
            "holidays": {"country": "FR"},
        },
    )
    targets = [
        {
            "priority": p,
            "first_response_minutes": 30 * n,
            "on_site_minutes": 120 * n,
            "resolution_minutes": 480 * n,
            "update_every_minutes": 120 * n,
        }
        for n, p in enumerate(("P1", "P2", "P3", "P4"), start=1)
    ]
    policy = services_tiers.create_sla_policy(actor, {"name": "Gold", "targets": targets})
    today = date.today()  # noqa: DTZ011 - a term around the bench's own day
    contract_services.create_contract(
        actor,
        customer_id,
        {
            "type": "maintenance",
            "status": "active",
            "start_date": date(today.year, 1, 1),
            "end_date": date(today.year, 12, 31),
            "currency": "EUR",
            "sla_policy_id": policy.pk,
            "calendar_id": calendar.pk,
            "coverage": {"site_ids": [site_id]},
        },
    )


def api_ticket_creations(client: Any, site_id: int, args: argparse.Namespace) -> dict[str, float]:
    """POST /api/v1/tickets ``--tickets`` times (5 % replays of an earlier Idempotency-Key)."""
    rng = random.Random(args.seed)
    keys: list[tuple[str, str]] = []
    created = replayed = failed = 0
    began = time.perf_counter()
    for n in range(args.tickets):
        if keys and rng.random() < args.duplicates:
            key, body = rng.choice(keys)
        else:
            key = f"bench-{n}-{uuid.uuid4().hex}"
            body = json.dumps(
                {"title": f"Compteuse {n} bloquée", "description": "Bourrage billets", "site_id": site_id}
            )
            keys.append((key, body))
        response = client.post(
            "/api/v1/tickets", body, content_type="application/json", headers={"Idempotency-Key": key}
        )
        if response.status_code == 201 and response.headers.get("Idempotent-Replayed") == "true":
            replayed += 1
        elif response.status_code == 201:
            created += 1
        else:
            failed += 1
    return {
        "created": created,
        "replayed": replayed,
        "failed": failed,
        "seconds": time.perf_counter() - began,
    }


def section_api(args: argparse.Namespace, console: Console) -> list[tuple[str, str]]:
    env, cleanup = throwaway_env("bench_api")
    try:
        with console.status(f"POST /api/v1/tickets x {args.tickets:,} ..."):
            out = subprocess.run(  # noqa: S603 (our own interpreter and script)
                [
                    sys.executable,
                    __file__,
                    "--api-worker",
                    f"--tickets={args.tickets}",
                    f"--seed={args.seed}",
                ],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
    finally:
        cleanup()
    figures: dict[str, Any] = {}
    in_db = 0
    for line in out.splitlines():
        if line.startswith("TICKETS "):
            figures = json.loads(line[8:])
        elif line.startswith("IN_DB "):
            in_db = int(line[6:])
    requests = figures["created"] + figures["replayed"] + figures["failed"]
    return [
        ("API ticket creations", rate(int(figures["created"]), figures["seconds"])),
        ("API requests (incl. replays)", rate(requests, figures["seconds"])),
        ("replays answered from the key", f"{int(figures['replayed']):,}"),
        ("refused", f"{int(figures['failed']):,}"),
        ("tickets in the database", f"{in_db:,}"),
    ]


# --- E-mail -----------------------------------------------------------------------------------------


def email_worker(args: argparse.Namespace) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("intake_email", ROOT / "bench" / "intake_email.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.run(Console(force_terminal=False))


def section_email(args: argparse.Namespace, console: Console) -> list[tuple[str, str]]:
    if not (ROOT / "bench" / "intake_email.py").exists():
        return [("e-mails", "bench/intake_email.py is not there yet")]
    env = {**os.environ, "TOURNEVIS_DEV": "1", "DJANGO_SETTINGS_MODULE": "tournevis.settings"}
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, __file__, "--email-worker"], env=env, capture_output=True, text=True
    )
    console.print(result.stdout.rstrip())
    if result.returncode != 0:
        return [("e-mails", f"failed: {result.stderr.strip().splitlines()[-1:]}")]
    return []


SECTIONS: dict[str, Callable[[argparse.Namespace, Console], list[tuple[str, str]]]] = {
    "mqtt": section_mqtt,
    "api": section_api,
    "email": section_email,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", choices=sorted(SECTIONS), help="run one section")
    parser.add_argument("--messages", type=int, default=20_000, help="MQTT messages published")
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--duplicates", type=float, default=0.05, help="share of repeated messages / keys")
    parser.add_argument("--window", type=int, default=900, help="messages published ahead of the intake")
    parser.add_argument("--tickets", type=int, default=2_000, help="API ticket creations")
    parser.add_argument("--timeout", type=float, default=600, help="seconds the intake waits for everything")
    parser.add_argument("--mqtt-url", default=os.environ.get("MQTT_URL", DEFAULT_MQTT_URL))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--prefix", default="bench", help=argparse.SUPPRESS)
    parser.add_argument("--mqtt-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--email-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.mqtt_worker:
        return mqtt_worker(args)
    if args.api_worker:
        return api_worker(args)
    if args.email_worker:
        return email_worker(args)
    console = Console()
    console.print(
        f"[bold]Intake benchmark[/] — {os.cpu_count()} CPU, broker {args.mqtt_url}, "
        f"{'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'}"
    )
    for name, section in SECTIONS.items():
        if args.only and name != args.only:
            continue
        console.rule(name)
        rows = section(args, console)
        if rows:
            table = Table(show_header=False, box=None)
            for label, figure in rows:
                table.add_row(label, figure)
            console.print(table)


if __name__ == "__main__":
    main()
