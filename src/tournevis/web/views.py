"""Back-office pages: thin — access, query, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tournevis.identity.guard import page


@page("page.home")
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")
