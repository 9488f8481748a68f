"""The outbox admin pages are read-only and never show credentials a webhook carries."""

from __future__ import annotations

from django.test import Client

from tests.conftest import PASSWORD
from tournevis.core.actor import Actor
from tournevis.notifications import services
from tournevis.notifications.models import DeliveryAttempt

ACTOR = Actor.system("tests")


def test_every_outbox_page_opens_for_an_admin_and_secrets_are_masked(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail = services.queue_email(ACTOR, to="a@b.example", subject="S", body="B", purpose="test")
    text = services.queue_sms(ACTOR, to="+33612345678", text="T", purpose="test")
    hook = services.queue_webhook(
        ACTOR,
        url="https://tracker.example/hook",
        body={"a": 1},
        purpose="test",
        headers={"Authorization": "Bearer s3cret", "X-Trace": "t-1"},
    )
    services.deliver_pending()
    attempt = DeliveryAttempt.objects.get()
    client = Client()
    client.login(username=world.user("admin").username, password=PASSWORD)

    for name, pk in (
        ("outboundemail", mail.pk),
        ("outboundsms", text.pk),
        ("outboundwebhook", hook.pk),
        ("deliveryattempt", attempt.pk),
    ):
        assert client.get(f"/admin/notifications/{name}/").status_code == 200, name
        assert client.get(f"/admin/notifications/{name}/{pk}/change/").status_code == 200, name
        assert client.get(f"/admin/notifications/{name}/add/").status_code == 403, name

    page = client.get(f"/admin/notifications/outboundwebhook/{hook.pk}/change/").content.decode()
    assert "Authorization: •••, X-Trace: t-1" in page
    assert "s3cret" not in page
