"""The technician app's pages (/m/): its login ties the session to the phone's device id (technicians
only), the shell carries the device and the strings in the user's language, the manifest and the
service worker are public and name only our own files, logging out signs the device out; and the
app's report.js hashes the report exactly as the server does."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.conftest import PASSWORD, World
from tournevis.identity.domain import Role
from tournevis.mobile.models import Device
from tournevis.mobile.strings import STRINGS
from tournevis.mobile.views import APP_FILES
from tournevis.workorders.domain_records import ReportContent, report_lines, report_sha256

STATIC = Path(__file__).resolve().parents[2] / "src" / "tournevis" / "mobile" / "static" / "mobile"


def config_of(response) -> dict:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    start = html.index('<script id="m-config" type="application/json">') + len(
        '<script id="m-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def strings_of(response) -> dict:  # type: ignore[no-untyped-def]
    html = response.content.decode()
    marker = '<script id="m-strings" type="application/json">'
    start = html.index(marker) + len(marker)
    return json.loads(html[start : html.index("</script>", start)])


def sign_in(client: Client, username: str, device_id: str = "") -> object:
    return client.post(
        "/m/login",
        {"username": username, "password": PASSWORD, "device_id": device_id, "device_name": "Android · 2026"},
    )


def test_anonymous_visitors_of_the_app_go_to_its_login(db: object) -> None:
    response = Client().get("/m/")
    assert (response.status_code, response["Location"]) == (302, "/m/login")
    page = Client().get("/m/login")
    assert page.status_code == 200
    assert b'id="device-id"' in page.content


def test_a_technician_signs_in_with_the_phone_device_id(world: World) -> None:
    client = Client()
    phone = uuid.uuid4()
    response = sign_in(client, "technician-user", str(phone))
    assert (response.status_code, response["Location"]) == (302, "/m/")

    device = Device.objects.get()
    assert (device.client_id, device.user.username, device.name) == (
        phone,
        "technician-user",
        "Android · 2026",
    )
    assert client.session.get_expiry_age() == 90 * 24 * 3600
    shell = client.get("/m/")
    assert shell.status_code == 200
    config = config_of(shell)
    assert (config["device_id"], config["user"], config["api"], config["wasm_url"]) == (
        str(phone),
        "technician-user",
        "/api/v1/mobile",
        "/static/vendor/zxing_reader.wasm",
    )
    assert set(strings_of(shell)) == set(STRINGS)
    assert "no-store" in shell["Cache-Control"]

    # The same phone signing in again is the same device
    sign_in(Client(), "technician-user", str(phone))
    assert Device.objects.count() == 1


def test_the_shell_speaks_the_users_language(world: World) -> None:
    user = world.staff[Role.TECHNICIAN]
    user.language = "fr"
    user.save(update_fields=["language"])
    client = Client()
    response = sign_in(client, "technician-user", str(uuid.uuid4()))
    assert response.cookies["django_language"].value == "fr"
    shell = client.get("/m/")
    assert config_of(shell)["language"] == "fr"
    assert '<html lang="fr">' in shell.content.decode()


def test_a_device_id_of_another_user_gives_a_new_device(world: World) -> None:
    phone = uuid.uuid4()
    sign_in(Client(), "technician-user", str(phone))
    other = world.staff[Role.TECHNICIAN]
    other.pk = None
    other.username = "second-technician"
    other.set_password(PASSWORD)
    other.save()

    client = Client()
    assert sign_in(client, "second-technician", str(phone)).status_code == 302
    second = Device.objects.get(user__username="second-technician")
    assert second.client_id != phone
    assert config_of(client.get("/m/"))["device_id"] == str(second.client_id)


def test_a_missing_or_bad_device_id_gets_a_new_one(world: World) -> None:
    client = Client()
    assert sign_in(client, "technician-user", "not-a-uuid").status_code == 302
    device = Device.objects.get()
    assert config_of(client.get("/m/"))["device_id"] == str(device.client_id)


def test_office_staff_and_customers_are_not_signed_in_to_the_app(world: World) -> None:
    for username in ("manager-user", "alpha-user"):
        client = Client()
        response = sign_in(client, username, str(uuid.uuid4()))
        assert response.status_code == 200
        assert "This app is for technicians. Use the back office." in response.content.decode()
        assert "_auth_user_id" not in client.session
    assert Device.objects.count() == 0
    wrong = Client()
    response = wrong.post("/m/login", {"username": "technician-user", "password": "nope"})
    assert response.status_code == 200 and 'id="login-error"' in response.content.decode()
    assert "_auth_user_id" not in wrong.session


def test_office_staff_signed_in_elsewhere_may_not_open_the_app(world: World) -> None:
    client = Client()
    client.force_login(world.staff[Role.MANAGER])
    assert client.get("/m/").status_code == 403


def test_logout_signs_the_device_out(world: World) -> None:
    client = Client()
    sign_in(client, "technician-user", str(uuid.uuid4()))
    device = Device.objects.get()
    assert client.get("/m/logout").status_code == 405  # POST only (the page wipes the phone first)
    response = client.post("/m/logout")
    assert (response.status_code, response["Location"]) == (302, "/m/login")
    device.refresh_from_db()
    assert (device.session_key, device.revoked_at is not None) == ("", True)
    assert client.get("/m/")["Location"] == "/m/login"
    headers = {"X-Device-Id": str(device.client_id)}
    assert client.get("/api/v1/mobile/day", headers=headers).status_code == 401


def test_manifest_is_public_and_installable(db: object) -> None:
    response = Client().get("/m/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    body = response.json()
    assert (body["start_url"], body["scope"], body["display"]) == ("/m/", "/m/", "standalone")
    assert [(i["src"], i["sizes"], i.get("purpose")) for i in body["icons"]] == [
        ("/static/mobile/icon-192.png", "192x192", None),
        ("/static/mobile/icon-512.png", "512x512", None),
        ("/static/mobile/icon-maskable-512.png", "512x512", "maskable"),
    ]


def test_service_worker_precaches_our_files_only(db: object) -> None:
    response = Client().get("/m/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert (response["Service-Worker-Allowed"], response["Cache-Control"]) == ("/m/", "no-cache")
    text = response.content.decode()
    assets = json.loads(text.split("const ASSETS = ", 1)[1].split(";\n", 1)[0])
    assert assets == [f"/static/{path}" for path in APP_FILES]
    assert 'const SHELL = "/m/";' in text and 'const DAY = "/api/v1/mobile/day";' in text
    assert "http" not in text.split("const VERSION", 1)[1]  # no CDN, no other origin
    assert text == Client().get("/m/sw.js").content.decode()  # the version is stable


def test_every_precached_file_exists() -> None:
    missing = [path for path in APP_FILES if finders.find(path) is None]
    assert missing == [], "run scripts/vendor.py (make setup) for the vendor/ files"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (npm ci installs the front-end files)")
def test_report_js_hashes_the_report_as_the_server_does() -> None:
    content = ReportContent(
        visit_id=12,
        times=[
            ("work", datetime(2026, 3, 10, 8, 5, 7, tzinfo=UTC), datetime(2026, 3, 10, 9, 30, tzinfo=UTC)),
            ("travel", datetime(2026, 3, 10, 7, 40, tzinfo=UTC), datetime(2026, 3, 10, 8, 5, tzinfo=UTC)),
        ],
        parts=[("BELT", Decimal("1.000"), []), ("CÂBLE", Decimal("2.50"), ["Zé-2", "ab-1", "Ab-3"])],
        checks=[(3, "check", True), (4, "number", "230.50"), (5, "choice", "worn"), (6, "check", False)],
        photos=["1b4e28ba-2fa1-11d2-883f-0016d3cca427"],
        notes=["0b4e28ba-2fa1-11d2-883f-0016d3cca427"],
        fixed=True,
        outcome="Courroie changée — OK",
    )
    visit = {
        "id": 12,
        "checklist": [
            {"item_id": 3, "kind": "check"},
            {"item_id": 4, "kind": "number"},
            {"item_id": 5, "kind": "choice"},
            {"item_id": 6, "kind": "check"},
        ],
        "records": {
            "time_entries": [
                {
                    "kind": "work",
                    "started_at": "2026-03-10T09:05:07+01:00",
                    "ended_at": "2026-03-10T09:30:00Z",
                },
                {
                    "kind": "travel",
                    "started_at": "2026-03-10T07:40:00Z",
                    "ended_at": "2026-03-10T08:05:00.000Z",
                },
            ],
            "parts_used": [
                {"reference": "BELT", "quantity": "1.000", "serials": []},
                {"reference": "CÂBLE", "quantity": "2.50", "serials": ["Zé-2", "ab-1", "Ab-3"]},
                {"reference": "GONE", "quantity": "1", "serials": [], "removed": True},
            ],
            "checklist_results": {
                "3": {"value": True},
                "4": {"value": "230,50"},
                "5": {"value": "worn"},
                "6": {"value": False},
            },
            "photos": [
                {"client_id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "purpose": "checklist"},
                {"client_id": "ffffffff-2fa1-11d2-883f-0016d3cca427", "purpose": "receipt"},
            ],
            "notes": [{"client_id": "0b4e28ba-2fa1-11d2-883f-0016d3cca427"}],
        },
    }
    outcome = json.dumps({"fixed": True, "outcome": content.outcome})
    script = (
        f"import {{ reportLines, reportSha256 }} from {json.dumps((STATIC / 'report.js').as_uri())};\n"
        f"const lines = reportLines({json.dumps(visit)}, {outcome});\n"
        "console.log(JSON.stringify({ lines, hash: await reportSha256(lines) }));\n"
    )
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True, timeout=30
    )
    out = json.loads(done.stdout)
    assert out["lines"] == report_lines(content)
    assert out["hash"] == report_sha256(content)


def test_the_language_switch_changes_the_shells_language(world: World) -> None:
    client = Client()
    sign_in(client, "technician-user", str(uuid.uuid4()))
    assert config_of(client.get("/m/"))["language"] == "en"

    switched = client.post("/i18n/setlang/", {"language": "fr", "next": "/m/#/account"})

    assert (switched.status_code, switched["Location"]) == (302, "/m/#/account")
    shell = client.get("/m/")
    assert config_of(shell)["language"] == "fr"
    assert config_of(shell)["language_url"] == "/i18n/setlang/"
    assert '<html lang="fr">' in shell.content.decode()
