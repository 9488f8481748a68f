"""Login throttling per account and per IP, without a malicious lock-out.

- Per IP: more than ``LOGIN_THROTTLE_PER_IP`` failures in the window → 429 for that address.
- Per account: more than ``LOGIN_THROTTLE_PER_ACCOUNT`` failures in the window → 429 for that account,
  *except* from a browser holding that account's device cookie (set on a successful login, OWASP
  "device cookies"). An attacker hammering an account therefore slows attackers only: the owner, on a
  device it has used before, still logs in.
A successful login clears that account's failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from tournevis.core import clock
from tournevis.identity.models import LoginFailure

DEVICE_COOKIE = "tournevis_device"
_SALT = "tournevis.identity.device"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104


def _account_key(username: str) -> str:
    return username.strip().lower()[:150]


def has_device_cookie(request: HttpRequest, username: str) -> bool:
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return False
    try:
        value = signing.loads(raw, salt=_SALT, max_age=timedelta(days=180))
    except signing.BadSignature:
        return False
    return value == _account_key(username)


def check(request: HttpRequest, username: str) -> Verdict:
    window = timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    since = clock.now() - window
    ip_failures = LoginFailure.objects.filter(ip=client_ip(request), at__gte=since).count()
    if ip_failures >= settings.LOGIN_THROTTLE_PER_IP:
        return Verdict(False, settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    if not has_device_cookie(request, username):
        account_failures = LoginFailure.objects.filter(account=_account_key(username), at__gte=since).count()
        if account_failures >= settings.LOGIN_THROTTLE_PER_ACCOUNT:
            return Verdict(False, settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    return Verdict(True)


def record_failure(request: HttpRequest, username: str) -> None:
    LoginFailure.objects.create(account=_account_key(username), ip=client_ip(request), at=clock.now())


def record_success(request: HttpRequest, response: HttpResponse, username: str) -> None:
    LoginFailure.objects.filter(account=_account_key(username)).delete()
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(_account_key(username), salt=_SALT),
        max_age=180 * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def purge_expired() -> int:
    """Delete failures older than the window (run by the periodic tick)."""
    since = clock.now() - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    deleted, _ = LoginFailure.objects.filter(at__lt=since).delete()
    return deleted
