"""Replay every existing demand's timeline into its judged steps (lianxin.demands.judging)."""

from django.db import migrations


def backfill(apps, schema_editor):
    from lianxin.demands.judging import judgement_row, judgements_from_events

    DemandEvent = apps.get_model("demands", "DemandEvent")
    Judgement = apps.get_model("demands", "Judgement")
    demand_ids = DemandEvent.objects.values_list("demand_id", flat=True).distinct().order_by("demand_id")
    rows = []
    for demand_id in demand_ids.iterator(chunk_size=2000):
        events = list(
            DemandEvent.objects.filter(demand_id=demand_id).order_by("created_at", "id").only("action", "created_at", "data")
        )
        rows += [judgement_row(demand_id, step, Judgement) for step in judgements_from_events(events)]
        if len(rows) >= 5000:
            Judgement.objects.bulk_create(rows)
            rows = []
    Judgement.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("demands", "0005_judgements")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
