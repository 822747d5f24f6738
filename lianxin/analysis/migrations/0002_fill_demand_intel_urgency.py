"""Copy the urgency proposals of the intake checks already stored onto Demand.intel_urgency (demands 0004).

Only demands still awaiting acceptance: the flag means nothing once an operator has judged the urgency,
and a handful of rows are written instead of every demand ever flagged."""

from django.db import migrations


def fill(apps, schema_editor):
    Demand = apps.get_model("demands", "Demand")
    DemandIntel = apps.get_model("analysis", "DemandIntel")
    for level in ("urgent", "critical"):
        flagged = DemandIntel.objects.filter(urgency=level, demand__status="submitted").values("demand_id")
        Demand.objects.filter(pk__in=flagged).update(intel_urgency=level)


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0001_initial"),
        ("demands", "0004_intel_urgency"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
