"""Settings come from the environment: safe defaults outside development, SQLite in WAL mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.db import connection
with connection.cursor() as c:
    journal = c.execute("PRAGMA journal_mode").fetchone()[0] if connection.vendor == "sqlite" else None
    fks = c.execute("PRAGMA foreign_keys").fetchone()[0] if connection.vendor == "sqlite" else None
print(json.dumps({
    "debug": settings.DEBUG, "secure": settings.SESSION_COOKIE_SECURE,
    "httponly": settings.SESSION_COOKIE_HTTPONLY,
    "samesite": settings.SESSION_COOKIE_SAMESITE, "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "vendor": connection.vendor, "journal": journal, "foreign_keys": fks,
    "db": str(settings.DATABASES["default"]["NAME"]),
}))
"""


def run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TOURNEVIS_DEV", "DEBUG", "SECRET_KEY", "DATABASE_URL"}
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "tournevis.settings", "TOURNEVIS_VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, check=False
    )


def test_production_mode_needs_a_secret_key(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 1
    assert "SECRET_KEY must be set" in result.stderr


def test_production_mode_has_secure_cookies_and_no_debug(tmp_path):
    result = run(tmp_path, SECRET_KEY="x" * 50, DEBUG="1")
    assert json.loads(result.stdout) == {
        "debug": False,
        "secure": True,
        "httponly": True,
        "samesite": "Lax",
        "csrf_secure": True,
        "vendor": "sqlite",
        "journal": "wal",
        "foreign_keys": 1,
        "db": str(tmp_path / "tournevis.sqlite3"),
    }


def test_development_mode_allows_debug_and_plain_http_cookies(tmp_path):
    result = json.loads(run(tmp_path, TOURNEVIS_DEV="1", DEBUG="1").stdout)
    assert (result["debug"], result["secure"], result["httponly"]) == (True, False, True)
    assert json.loads(run(tmp_path, TOURNEVIS_DEV="1").stdout)["debug"] is False


def test_database_url_selects_postgresql(tmp_path):
    result = run(tmp_path, TOURNEVIS_DEV="1", DATABASE_URL="postgres://u@127.0.0.1:1/tv")
    assert result.returncode == 1  # nothing listens on port 1: the connection attempt proves the engine
    assert "psycopg" in result.stderr or "OperationalError" in result.stderr
