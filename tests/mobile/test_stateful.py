"""Several devices of two technicians, offline for random periods, replaying their outboxes with
duplicates and in random order, while the dispatcher cancels, moves and reassigns visits: every
operation is applied once or recorded as a conflict or a rejection, nothing is applied twice, and once
every device has synced, every device's day data is the server's (and agrees with what was applied)."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import SYSTEM, World, api_client, make_user
from tests.mobile.support import NOW, dispatched_order
from tests.workforce.conftest import Crew
from tests.workorders.conftest import TUESDAY_9, TUESDAY_11
from tournevis.core import clock
from tournevis.core.errors import DomainError
from tournevis.identity.domain import Role
from tournevis.mobile import queries
from tournevis.mobile.models import Conflict, Device, Operation
from tournevis.workforce.models import Technician
from tournevis.workorders import services as workorder_services
from tournevis.workorders import services_visits
from tournevis.workorders.models import StatusChange, Visit, VisitNote

STEP_STATUS = {
    "visit.travel": "en_route",
    "visit.check_in": "on_site",
    "visit.resume": "on_site",
    "visit.pause": "paused",
    "visit.complete": "completed",
}
OPS = [*STEP_STATUS, "note.add"]


@dataclass
class Phone:
    """A device as the test sees it: its outbox (in order), its next number, the answers it got."""

    device: Device
    client: Client
    technician: Technician
    online: bool = True
    next_seq: int = 1
    outbox: list[dict[str, Any]] = field(default_factory=list)
    answers: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # key -> first answer
    sent: list[dict[str, Any]] = field(default_factory=list)  # every op it made


def post(phone: Phone, op: dict[str, Any]) -> Any:
    body = {k: op[k] for k in ("seq", "op", "visit_id", "at", "data")}
    return phone.client.post(
        "/api/v1/mobile/ops",
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": op["key"], "X-Device-Id": str(phone.device.client_id)},
    )


class Sync(RuleBasedStateMachine):
    phones: list[Phone]
    technicians: list[Technician]
    world: World

    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.visits: list[int] = []

    @initialize()
    def plan_the_day(self) -> None:
        for technician in (*self.technicians, self.technicians[0]):
            order = dispatched_order(self.world, technician)
            self.visits.append(Visit.objects.get(work_order=order, number=1).pk)

    # --- The devices ----------------------------------------------------------------------------

    @rule(p=st.integers(0, 2), v=st.integers(0, 2), op=st.sampled_from(OPS), fixed=st.booleans())
    def do_something(self, p: int, v: int, op: str, fixed: bool) -> None:
        phone = self.phones[p]
        data: dict[str, Any] = {}
        if op == "note.add":
            data = {"text": f"note {phone.device.name} {phone.next_seq}"}
        elif op == "visit.complete":
            data = {"fixed": fixed, "outcome": "done"}
        entry = {
            "key": str(uuid.uuid4()),
            "seq": phone.next_seq,
            "op": op,
            "visit_id": self.visits[v],
            "at": (NOW - timedelta(minutes=1)).isoformat(),
            "data": data,
        }
        phone.next_seq += 1
        phone.outbox.append(entry)
        phone.sent.append(entry)

    @rule(p=st.integers(0, 2))
    def toggle_network(self, p: int) -> None:
        self.phones[p].online = not self.phones[p].online

    @rule(p=st.integers(0, 2), data=st.data())
    def replay_with_duplicates_and_reordering(self, p: int, data: st.DataObject) -> None:
        phone = self.phones[p]
        if not phone.online or not phone.outbox:
            return
        waiting = list(phone.outbox)
        for index in data.draw(st.lists(st.integers(0, len(waiting) - 1), min_size=1, max_size=6)):
            self._send(phone, waiting[index])  # acknowledged already: a replay

    @rule(p=st.integers(0, 2))
    def sync_in_order(self, p: int) -> None:
        phone = self.phones[p]
        if phone.online:
            self._drain(phone)

    @precondition(lambda self: any(phone.answers for phone in self.phones))
    @rule(p=st.integers(0, 2), data=st.data())
    def replay_an_old_operation(self, p: int, data: st.DataObject) -> None:
        phone = self.phones[p]
        done = [op for op in phone.sent if op["key"] in phone.answers]
        if not done:
            return
        op = data.draw(st.sampled_from(done))
        response = post(phone, op)
        assert (response.status_code, response.json()) == phone.answers[op["key"]]
        assert response["Idempotent-Replayed"] == "true"

    def _send(self, phone: Phone, op: dict[str, Any]) -> None:
        response = post(phone, op)
        body = response.json()
        if response.status_code == 409 and body.get("errors", [{}])[0].get("field") == "seq":
            assert body["expected"] == len([o for o in phone.sent if o["key"] in phone.answers]) + 1
            event("gap refused")
            return  # an earlier one is missing: it waits
        assert response.status_code in (200, 404, 422), response.content
        event(f"answer {body.get('result')} {body.get('conflict', {}).get('reason', '')}".strip())
        first = phone.answers.setdefault(op["key"], (response.status_code, body))
        assert first == (response.status_code, body)  # a replay gets the first answer
        if op in phone.outbox:
            assert phone.outbox[0] is op  # only the next one in order is ever acknowledged
            phone.outbox.remove(op)

    def _drain(self, phone: Phone) -> None:
        while phone.outbox:
            self._send(phone, phone.outbox[0])

    # --- The dispatcher -------------------------------------------------------------------------

    @rule(v=st.integers(0, 2))
    def cancel(self, v: int) -> None:
        with contextlib.suppress(DomainError):  # the visit may be over
            services_visits.cancel_visit(SYSTEM, self.visits[v], "Customer called")

    @rule(v=st.integers(0, 2), to=st.integers(0, 1), later=st.integers(0, 3))
    def reassign_or_move(self, v: int, to: int, later: int) -> None:
        visit = Visit.objects.get(pk=self.visits[v])
        try:
            with transaction.atomic():
                services_visits.unschedule_visit(SYSTEM, visit.pk)
                shift = timedelta(hours=later)
                workorder_services.plan_visit(
                    SYSTEM,
                    visit.work_order_id,
                    self.technicians[to].pk,
                    TUESDAY_9 + shift,
                    TUESDAY_11 + shift,
                )
                services_visits.dispatch_visit(SYSTEM, visit.pk)
        except DomainError:
            pass

    # --- What must always hold ------------------------------------------------------------------

    @invariant()
    def each_acknowledged_operation_is_stored_once_and_in_order(self) -> None:
        for phone in self.phones:
            acked = [op for op in phone.sent if op["key"] in phone.answers]
            seqs = sorted(op["seq"] for op in acked)
            assert seqs == list(range(1, len(seqs) + 1))
            rows = Operation.objects.filter(device=phone.device)
            assert sorted(rows.values_list("seq", flat=True)) == seqs
            for op in acked:
                status, body = phone.answers[op["key"]]
                row = rows.get(key=op["key"])
                result = body.get("result")
                assert (row.status_code, row.answer, row.outcome) == (status, body, result)
                assert Conflict.objects.filter(operation=row).exists() == (result == "conflict")

    @invariant()
    def nothing_is_applied_twice(self) -> None:
        applied = [op for phone in self.phones for op in phone.sent if self._result(phone, op) == "applied"]
        steps = Counter((op["visit_id"], STEP_STATUS[op["op"]]) for op in applied if op["op"] in STEP_STATUS)
        logged = Counter(
            StatusChange.objects.filter(actor_user_id__isnull=False, visit_id__in=self.visits).values_list(
                "visit_id", "new"
            )
        )
        assert logged == steps
        notes = {op["key"] for op in applied if op["op"] == "note.add"}
        assert {str(k) for k in VisitNote.objects.values_list("client_id", flat=True)} == notes

    def _result(self, phone: Phone, op: dict[str, Any]) -> str | None:
        answer = phone.answers.get(op["key"])
        return answer[1].get("result") if answer is not None else None

    def teardown(self) -> None:
        try:
            # every device comes back online and syncs; then each replica equals the server's view
            for phone in self.phones:
                phone.online = True
                self._drain(phone)
            self.each_acknowledged_operation_is_stored_once_and_in_order()
            self.nothing_is_applied_twice()
            for technician in self.technicians:
                with translation.override("en"):  # as the phones' requests (no language cookie)
                    server = queries.day(technician, None, days=1)
                for phone in (p for p in self.phones if p.technician == technician):
                    replica = phone.client.get(
                        "/api/v1/mobile/day?days=1", headers={"X-Device-Id": str(phone.device.client_id)}
                    ).json()
                    assert replica["device"] == {"last_seq": phone.next_seq - 1}
                    assert {**replica, "device": None} == json.loads(json.dumps({**server, "device": None}))
                    for visit in replica["visits"]:
                        assert visit["status"] == Visit.objects.get(pk=visit["id"]).status
                        applied_notes = {
                            op["key"]
                            for p in self.phones
                            for op in p.sent
                            if op["op"] == "note.add"
                            and op["visit_id"] == visit["id"]
                            and self._result(p, op) == "applied"
                        }
                        assert {n["client_id"] for n in visit["records"]["notes"]} == applied_notes
        finally:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)


def test_devices_offline_replaying_in_any_order_converge(world: World, crew: Crew) -> None:
    second = make_user("technician-two", Role.TECHNICIAN)
    Technician.objects.filter(pk=crew.marc.pk).update(user=second)
    crew.marc.refresh_from_db()
    first_user = world.staff[Role.TECHNICIAN]
    now = clock.now()

    def phone(user: Any, name: str, technician: Technician) -> Phone:
        device = Device.objects.create(
            user=user, client_id=uuid.uuid4(), name=name, created_at=now, last_seen_at=now
        )
        return Phone(device, api_client(user), technician)

    phones = [
        phone(first_user, "Léa's phone", crew.lea),
        phone(first_user, "Léa's tablet", crew.lea),
        phone(second, "Marc's phone", crew.marc),
    ]

    class Machine(Sync):
        pass

    Machine.phones = phones
    Machine.technicians = [crew.lea, crew.marc]
    Machine.world = world

    def fresh_phones() -> None:
        for p in phones:
            p.online, p.next_seq, p.outbox, p.answers, p.sent = True, 1, [], {}, []

    original_init = Machine.__init__

    def init(self: Machine) -> None:
        fresh_phones()
        original_init(self)

    Machine.__init__ = init  # type: ignore[method-assign]
    with clock.frozen(NOW):
        run_state_machine_as_test(
            Machine,
            settings=settings(
                max_examples=25,
                stateful_step_count=25,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            ),
        )
