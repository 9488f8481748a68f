"""URL map: back office, sign-in pages, language switch, admin, and /api/v1."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from tournevis.identity.guard import public
from tournevis.web.api import api
from tournevis.web.urls import auth_urlpatterns, feed_urlpatterns

urlpatterns = [
    path("", include("tournevis.web.urls")),
    path("m/", include("tournevis.mobile.urls")),  # the technician app (PWA)
    *auth_urlpatterns,
    *feed_urlpatterns,
    path("i18n/setlang/", public(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
