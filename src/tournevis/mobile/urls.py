"""The technician app's pages, mounted at ``/m/`` (the service worker's scope)."""

from django.urls import path

from tournevis.mobile import views

app_name = "mobile"

urlpatterns = [
    path("", views.app, name="app"),
    path("login", views.login, name="login"),
    path("logout", views.logout, name="logout"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
]
