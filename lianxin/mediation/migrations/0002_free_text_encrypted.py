"""A case's title, facts and agreement, the session records, the follow-up notes and the timeline's notes
are stored encrypted (they name the parties, their homes, phones and ID numbers); the title keeps a masked
copy for search. The data step encrypts the rows stored before and fills the copy (as
`demands/0011_free_text_encrypted`); idempotent, and `lianxin rekey` does the same work later."""

from django.db import migrations

import lianxin.core.crypto
import lianxin.core.masking


def encrypt_existing(apps, schema_editor):
    from lianxin.core.crypto import rewrite_encrypted

    rewrite_encrypted(apps.get_model("mediation", "Case"), plain_ok=True, refresh=True)
    for name in ("Session", "FollowUp", "CaseEvent"):
        rewrite_encrypted(apps.get_model("mediation", name), plain_ok=True)


class Migration(migrations.Migration):
    dependencies = [
        ("mediation", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="title_masked",
            field=lianxin.core.masking.MaskedCopyField(
                blank=True, default="", masker="lianxin.demands.intel_port.mask_pii", source="title"
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="agreement_terms",
            field=lianxin.core.crypto.EncryptedTextField(blank=True, default="", verbose_name="协议内容"),
        ),
        migrations.AlterField(
            model_name="case",
            name="summary",
            field=lianxin.core.crypto.EncryptedTextField(verbose_name="纠纷事实"),
        ),
        migrations.AlterField(
            model_name="case",
            name="title",
            field=lianxin.core.crypto.EncryptedTextField(max_length=200, verbose_name="纠纷简题"),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="note",
            field=lianxin.core.crypto.EncryptedTextField(blank=True, default="", verbose_name="说明"),
        ),
        migrations.AlterField(
            model_name="followup",
            name="note",
            field=lianxin.core.crypto.EncryptedTextField(blank=True, default="", verbose_name="回访情况"),
        ),
        migrations.AlterField(
            model_name="session",
            name="record",
            field=lianxin.core.crypto.EncryptedTextField(verbose_name="调解记录"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=True),
    ]
