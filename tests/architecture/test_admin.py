"""Every Tournevis model is visible in the Django admin, and the admin is for admins only."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.test import Client

from tests.conftest import PASSWORD


def test_every_tournevis_model_has_an_admin():
    models = [m for m in apps.get_models() if m.__module__.startswith("tournevis.")]
    assert len(models) >= 14
    assert sorted(m._meta.label for m in models if m not in admin.site._registry) == []


def test_only_admins_reach_the_admin(world):
    for role, expected in (("admin", 200), ("manager", 403), ("customer", 404)):
        client = Client()
        client.login(username=world.user(role).username, password=PASSWORD)
        assert client.get("/admin/customers/customer/").status_code == expected, role
    assert Client().get("/admin/").status_code == 302


def test_the_api_docs_page_uses_local_static_files(db):
    page = Client().get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
