"""Free answers of surveys and the notes of the participation timeline (reasons of staff steps, seen by
organisers only) are stored encrypted. The data step encrypts the rows stored before (as
`demands/0011_free_text_encrypted`); idempotent, and `lianxin rekey` does the same work later."""

from django.db import migrations

import lianxin.core.crypto


def encrypt_existing(apps, schema_editor):
    from lianxin.core.crypto import rewrite_encrypted

    for name in ("SurveyAnswer", "TimelineEntry"):
        rewrite_encrypted(apps.get_model("participation", name), plain_ok=True)


class Migration(migrations.Migration):
    dependencies = [
        ("participation", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="surveyanswer",
            name="text",
            field=lianxin.core.crypto.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="timelineentry",
            name="note",
            field=lianxin.core.crypto.EncryptedTextField(blank=True, verbose_name="说明"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=True),
    ]
