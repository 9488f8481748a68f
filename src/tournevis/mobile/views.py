"""The technician app's pages under ``/m/`` (docs/adr/0004-technician-app-offline.md):

- ``login``: user name and password, then ``services.register_device`` ties the session (long:
  ``MOBILE_SESSION_DAYS``) to the phone's device id (kept by the page in ``localStorage``); only
  technicians use the app.
- ``logout`` (POST): the device signs out (its session ends, it is marked revoked). The page has
  warned first when changes were still waiting, then wiped IndexedDB, the caches and the worker.
- ``app``: the one-page shell (hash routes), with the device id and the app's strings translated
  here, so that the FR/EN catalogues stay the single source.
- ``manifest`` and ``service_worker`` (``/m/sw.js``, scope ``/m/``): public — browsers fetch a
  manifest without cookies, and neither holds data.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tournevis.core.errors import Conflict as ConflictError
from tournevis.identity import throttle
from tournevis.identity.domain import Role
from tournevis.identity.guard import page, public
from tournevis.identity.models import User
from tournevis.mobile import services
from tournevis.mobile.models import Device
from tournevis.mobile.strings import app_strings

SESSION_DEVICE = "mobile_device_id"
# The app's own modules and styles, then the vendored libraries: what the service worker precaches.
APP_FILES = (
    "mobile/app.css",
    "mobile/app.js",
    "mobile/db.js",
    "mobile/sync.js",
    "mobile/state.js",
    "mobile/report.js",
    "mobile/scan.js",
    "mobile/photo.js",
    "mobile/signature.js",
    "mobile/ui.js",
    "mobile/screens.js",
    "mobile/records.js",
    "mobile/icon-192.png",
    "mobile/icon-512.png",
    "mobile/icon-maskable-512.png",
    "vendor/idb.js",
    "vendor/signature_pad.umd.min.js",
    "vendor/barcode-detector-polyfill.js",
    "vendor/zxing_reader.wasm",
)


def _to_mobile_login(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors of the app go to the app's own login page (not the back office's)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "actor", None) is None:
            return redirect("mobile:login")
        return view(request, *args, **kwargs)

    return wrapper


def _device_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except (ValueError, AttributeError):
        return uuid.uuid4()


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )


def _register(request: HttpRequest, user: User, wanted: uuid.UUID, name: str) -> Device:
    """The device the phone names, or a new id when that one belongs to another user (a phone
    handed over without signing out: the app then keeps the id it is given)."""
    try:
        return services.register_device(request, user, client_id=wanted, name=name)
    except ConflictError:
        return services.register_device(request, user, client_id=uuid.uuid4(), name=name)


@public
@never_cache
def login(request: HttpRequest) -> HttpResponse:
    form = AuthenticationForm(request, data=request.POST or None)
    refused = ""
    if request.method == "POST":
        username = request.POST.get("username", "")
        verdict = throttle.check(request, username)
        if not verdict.allowed:
            response = render(request, "web/throttled.html", {"retry_after": verdict.retry_after}, status=429)
            response["Retry-After"] = str(verdict.retry_after)
            return response
        if form.is_valid():
            user = form.get_user()
            if user.role != Role.TECHNICIAN:
                refused = _("This app is for technicians. Use the back office.")
                throttle.record_failure(request, username)
            else:
                auth_login(request, user)
                name = request.POST.get("device_name", "")[:200]
                device = _register(request, user, _device_id(request.POST.get("device_id", "")), name)
                request.session[SESSION_DEVICE] = str(device.client_id)
                response = redirect("mobile:app")
                throttle.record_success(request, response, username)
                _set_language_cookie(response, user.language)
                return response
        else:
            throttle.record_failure(request, username)
    context = {"form": form, "refused": refused}
    return render(request, "mobile/login.html", context)


@public
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Sign the device out (the page wiped its local data first)."""
    device = None
    if request.user.is_authenticated:
        device_id = request.session.get(SESSION_DEVICE, "")
        device = Device.objects.filter(client_id=_device_id(device_id), user_id=request.user.pk).first()
    if device is not None:
        services.sign_out(request, device)
    else:
        auth_logout(request)
    return redirect("mobile:login")


@_to_mobile_login
@page("page.mobile.app")
@never_cache
def app(request: HttpRequest) -> HttpResponse:
    """The shell: one page, hash routes; everything else comes from IndexedDB and the API."""
    user = request.user
    # The language chosen on this browser (the cookie set at sign-in from the user's language, or by
    # the Account screen's switch, as in the back office), else the user's.
    language = translation.get_language() or getattr(user, "language", "") or "en"
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        strings = app_strings()
        context = {
            "language": language,
            "config": {
                "device_id": request.session.get(SESSION_DEVICE, ""),
                "user": getattr(user, "username", ""),
                "language": language,
                "api": "/api/v1/mobile",
                "login_url": reverse("mobile:login"),
                "logout_url": reverse("mobile:logout"),
                "language_url": reverse("set_language"),
                "sw_url": reverse("mobile:service_worker"),
                "scope": reverse("mobile:app"),
                "wasm_url": static("vendor/zxing_reader.wasm"),
                "back_office_url": reverse("web:home"),
            },
            "strings": strings,
        }
        return render(request, "mobile/app.html", context)


@public
@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    scope = reverse("mobile:app")
    body = {
        "name": _("Tournevis — technician"),
        "short_name": "Tournevis",
        "description": _("Your visits, checklists, parts and reports, also without network."),
        "lang": translation.get_language() or "en",
        "start_url": scope,
        "scope": scope,
        "id": scope,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b3d91",
        "icons": [
            {"src": static("mobile/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("mobile/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("mobile/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@lru_cache(maxsize=8)
def _version(stamps: tuple[tuple[str, int, int], ...]) -> str:
    return hashlib.sha256(json.dumps(stamps).encode()).hexdigest()[:16]


def assets_version() -> str:
    """Changes whenever a precached file (or the worker's template) changes, so that the browser
    installs the new worker and drops the old cache."""
    stamps = []
    template = Path(__file__).parent / "templates" / "mobile" / "sw.js"
    for path in (*APP_FILES, str(template)):
        found = path if path.startswith("/") else finders.find(path)
        if isinstance(found, str) and Path(found).is_file():
            stat = Path(found).stat()
            stamps.append((path, stat.st_size, stat.st_mtime_ns))
    return _version(tuple(stamps))


@public
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    context = {
        "version": assets_version(),
        "shell": reverse("mobile:app"),
        "assets": json.dumps([static(path) for path in APP_FILES]),
        "day": "/api/v1/mobile/day",
        "offline_message": json.dumps(_("No network and no copy of your day on this phone.")),
    }
    response = render(request, "mobile/sw.js", context, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("mobile:app")
    return response
