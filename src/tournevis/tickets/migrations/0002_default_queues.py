"""The four queues every installation starts with (the same list as ``tickets.routing.DEFAULT_QUEUES``,
copied: a migration must not import code that changes); they can be renamed, and more added."""

from django.db import migrations
from django.utils import timezone

QUEUES = [
    ("triage", "Triage", "Tri", 1, True, {}),
    ("level1", "Level 1 - general questions", "Niveau 1 - questions générales", 1, False, {}),
    ("software", "Software specialists", "Spécialistes logiciel", 2, False, {"software": 1}),
    ("hardware", "Hardware specialists", "Spécialistes matériel", 2, False, {"hardware": 1}),
]


def create(apps, schema_editor):
    Queue = apps.get_model("tickets", "Queue")
    now = timezone.now()
    for code, name, name_fr, tier, is_triage, skills in QUEUES:
        Queue.objects.get_or_create(
            code=code,
            defaults={"name": name, "name_fr": name_fr, "tier": tier, "is_triage": is_triage,
                      "skills": skills, "created_at": now},
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
