"""Sign-in pages: login with throttling, logout, password reset by e-mail (through the outbox)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache

from tournevis.core.actor import Actor
from tournevis.identity import throttle
from tournevis.identity.guard import public
from tournevis.notifications import services as notifications


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        verdict = throttle.check(request, username)
        if not verdict.allowed:
            response = render(request, "web/throttled.html", {"retry_after": verdict.retry_after}, status=429)
            response["Retry-After"] = str(verdict.retry_after)
            return response
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttle.record_success(request, response, username)
            # The UI speaks the user's language from the first page after login.
            language = getattr(request.user, "language", "")
            if language in dict(settings.LANGUAGES):
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    language,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    samesite="Lax",
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                )
        else:
            throttle.record_failure(request, username)
        return response


class OutboxPasswordResetForm(PasswordResetForm):
    """Queue the reset e-mail in the notifications outbox instead of sending it inline."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        notifications.queue_email(
            Actor.system("password-reset"), to=to_email, subject=subject, body=body, purpose="password_reset"
        )


login = public(never_cache(LoginView.as_view()))
logout = public(auth_views.LogoutView.as_view())
password_reset = public(
    auth_views.PasswordResetView.as_view(
        template_name="web/password_reset.html",
        email_template_name="web/email/password_reset.txt",
        subject_template_name="web/email/password_reset_subject.txt",
        form_class=OutboxPasswordResetForm,
        success_url=reverse_lazy("password_reset_done"),
    )
)
password_reset_done = public(
    auth_views.PasswordResetDoneView.as_view(template_name="web/password_reset_done.html")
)
password_reset_confirm = public(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="web/password_reset_confirm.html", success_url=reverse_lazy("password_reset_complete")
    )
)
password_reset_complete = public(
    auth_views.PasswordResetCompleteView.as_view(template_name="web/password_reset_complete.html")
)
