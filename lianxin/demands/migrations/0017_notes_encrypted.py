"""The reply, the timeline's notes (return, withdraw and reject reasons, follow-up notes, citizens' reopen
reasons, the reply again), the assisting units' opinions and the appeals are stored encrypted: they quote
people's phones, ID numbers and addresses.

The data step encrypts the rows stored before (their plain text is taken as it is), as
`0011_free_text_encrypted` did; it is idempotent, and `lianxin rekey` does the same work later. It also
drops the copy of a returned reply that `return_reply` events kept in their `data` (stored in clear; the
text stays on the reply's own event, now encrypted)."""

from django.db import migrations

import lianxin.core.crypto


def encrypt_existing(apps, schema_editor):
    from lianxin.core.crypto import rewrite_encrypted

    for name in ("Demand", "DemandEvent", "AssistRequest", "DemandAppeal"):
        rewrite_encrypted(apps.get_model("demands", name), plain_ok=True)
    events = apps.get_model("demands", "DemandEvent").objects.filter(action="return_reply")
    for pk, data in list(events.values_list("pk", "data")):  # few rows: replies sent back on review
        if isinstance(data, dict) and "returned_text" in data:
            data.pop("returned_text")
            events.filter(pk=pk).update(data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0016_reply_attachments"),
    ]

    operations = [
        migrations.AlterField(
            model_name="assistrequest",
            name="opinion",
            field=lianxin.core.crypto.EncryptedTextField(blank=True, default="", verbose_name="协办意见"),
        ),
        migrations.AlterField(
            model_name="demand",
            name="reply_text",
            field=lianxin.core.crypto.EncryptedTextField(blank=True, default="", verbose_name="答复内容"),
        ),
        migrations.AlterField(
            model_name="demandappeal",
            name="decision_note",
            field=lianxin.core.crypto.EncryptedTextField(blank=True, default="", verbose_name="审核意见"),
        ),
        migrations.AlterField(
            model_name="demandappeal",
            name="reason",
            field=lianxin.core.crypto.EncryptedTextField(verbose_name="申诉理由"),
        ),
        migrations.AlterField(
            model_name="demandevent",
            name="note",
            field=lianxin.core.crypto.EncryptedTextField(blank=True, default="", verbose_name="说明"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=True),
    ]
