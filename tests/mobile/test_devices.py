"""Devices: signing in ties a long session to the device (the same id again is the same device),
signing out and revoking end that session at once (the next call is a 401), a technician sees and
revokes only its own devices, a manager all of them."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import RequestFactory

from tests.api_support import db_state, problem
from tests.conftest import api_client
from tests.mobile.conftest import Field
from tests.mobile.support import NOW, signed_in
from tournevis.core.errors import Conflict as ConflictError
from tournevis.core.errors import InvalidInput
from tournevis.core.models import AuditEvent
from tournevis.identity.domain import Role
from tournevis.identity.services import actor_for
from tournevis.mobile import services
from tournevis.mobile.models import Device


def day(client, device: Device):  # type: ignore[no-untyped-def]
    return client.get("/api/v1/mobile/day", headers={"X-Device-Id": str(device.client_id)})


def test_signing_in_ties_a_ninety_day_session_to_the_device(field: Field) -> None:
    client, device = signed_in(field.user, "Léa's tablet")

    session = Session.objects.get(session_key=device.session_key)
    assert session.get_decoded()["_session_expiry"] == 90 * 24 * 3600
    assert (device.name, device.last_seq, device.revoked_at, device.created_at) == (
        "Léa's tablet",
        0,
        None,
        NOW,
    )
    assert day(client, device).status_code == 200
    assert AuditEvent.objects.filter(action="device.register", object_id=str(device.pk)).count() == 1


def test_the_same_device_id_signs_in_again_as_the_same_device(field: Field) -> None:
    old_session = field.device.session_key
    services.revoke_device(actor_for(field.user), field.device.pk)

    client, again = signed_in(field.user, "", client_id=field.device.client_id)

    assert again.pk == field.device.pk
    assert (again.name, again.revoked_at) == ("Léa's phone", None)
    assert again.session_key != old_session
    assert day(client, again).status_code == 200


def test_a_device_id_of_another_user_is_refused(field: Field) -> None:
    with pytest.raises(ConflictError) as refused:
        signed_in(field.world.staff[Role.DISPATCHER], client_id=field.device.client_id)
    assert refused.value.field == "client_id"
    assert Device.objects.get(client_id=field.device.client_id).user_id == field.user.pk


def test_signing_out_ends_the_session_and_the_device_syncs_no_more(field: Field) -> None:
    client, device = signed_in(field.user, "Tablet")
    request = RequestFactory().post("/m/logout")
    request.session = client.session
    request.user = field.user

    services.sign_out(request, device)

    device.refresh_from_db()
    assert (device.session_key, device.revoked_at) == ("", NOW)
    assert problem(day(client, device), 401)
    # even with a valid token, the signed-out device is refused
    assert problem(day(field.client, device), 401)["errors"][0]["field"] == "X-Device-Id"


def test_the_owner_revokes_its_device_and_its_session_ends(field: Field) -> None:
    client, tablet = signed_in(field.user, "Tablet")

    response = field.client.post(
        f"/api/v1/mobile/devices/{tablet.pk}/revoke", headers={"X-Device-Id": str(field.device.client_id)}
    )

    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["revoked_at"]) == (tablet.pk, "2026-03-10T07:30:00Z")
    assert not Session.objects.filter(session_key=tablet.session_key).exists()
    assert problem(day(client, tablet), 401)
    # revoking again changes nothing
    before = db_state()
    again = field.client.post(
        f"/api/v1/mobile/devices/{tablet.pk}/revoke", headers={"X-Device-Id": str(field.device.client_id)}
    )
    assert again.status_code == 200
    assert db_state() == before


def test_a_manager_revokes_any_device_a_technician_only_its_own(field: Field) -> None:
    _, dispatcher_device = signed_in(field.world.staff[Role.DISPATCHER], "Office tablet")
    manager = api_client(field.world.staff[Role.MANAGER])

    theirs = field.client.post(
        f"/api/v1/mobile/devices/{dispatcher_device.pk}/revoke",
        headers={"X-Device-Id": str(field.device.client_id)},
    )
    assert problem(theirs, 404)
    assert manager.post(f"/api/v1/mobile/devices/{field.device.pk}/revoke").status_code == 200
    field.device.refresh_from_db()
    assert field.device.revoked_at == NOW
    assert problem(day(field.client, field.device), 401)


def test_the_device_list_is_own_for_a_technician_and_whole_for_a_manager(field: Field) -> None:
    signed_in(field.world.staff[Role.DISPATCHER], "Office tablet")

    own = field.client.get("/api/v1/mobile/devices", headers={"X-Device-Id": str(field.device.client_id)})
    every = api_client(field.world.staff[Role.MANAGER]).get("/api/v1/mobile/devices")

    assert [(d["name"], d["username"], d["last_seq"]) for d in own.json()] == [
        ("Léa's phone", "technician-user", 0)
    ]
    assert own.json()[0]["client_id"] == str(field.device.client_id)
    assert sorted(d["name"] for d in every.json()) == ["Léa's phone", "Office tablet"]


def test_a_device_id_that_is_not_a_uuid_is_refused(field: Field) -> None:
    request = RequestFactory().post("/m/login")
    request.session = signed_in(field.user)[0].session
    with pytest.raises(InvalidInput) as refused:
        services.register_device(request, field.user, client_id="phone-1", name="x")
    assert refused.value.field == "client_id"
    assert Device.objects.filter(user=field.user).count() == 2  # the phone, and the one signed in above
