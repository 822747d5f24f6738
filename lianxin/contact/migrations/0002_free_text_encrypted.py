"""The visit diary's records and the problems raised on visits are stored encrypted: they name people, their
homes and phones. The data step encrypts the rows stored before (as `demands/0011_free_text_encrypted`);
idempotent, and `lianxin rekey` does the same work later."""

from django.db import migrations

import lianxin.core.crypto


def encrypt_existing(apps, schema_editor):
    from lianxin.core.crypto import rewrite_encrypted

    for name in ("Visit", "VisitProblem"):
        rewrite_encrypted(apps.get_model("contact", name), plain_ok=True)


class Migration(migrations.Migration):
    dependencies = [
        ("contact", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="visit",
            name="summary",
            field=lianxin.core.crypto.EncryptedTextField(verbose_name="民情记录"),
        ),
        migrations.AlterField(
            model_name="visitproblem",
            name="content",
            field=lianxin.core.crypto.EncryptedTextField(blank=True, verbose_name="详情"),
        ),
        migrations.AlterField(
            model_name="visitproblem",
            name="title",
            field=lianxin.core.crypto.EncryptedTextField(max_length=200, verbose_name="问题"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=True),
    ]
