"""Title, content and address are stored encrypted (they may hold a phone, an ID number, a home address),
with masked copies for display and search and blind indexes of the numbers written in them.

The data step encrypts the rows stored before (their plain text is taken as it is) and fills the copies;
it is idempotent, and `lianxin rekey` does the same work later (a new key, or a change of cipher)."""

from django.db import migrations

import lianxin.core.crypto
import lianxin.core.masking


def encrypt_existing(apps, schema_editor):
    from lianxin.core.crypto import rewrite_encrypted

    rewrite_encrypted(apps.get_model("demands", "Demand"), plain_ok=True, refresh=True)


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0010_deadline_marks_in_place"),
    ]

    operations = [
        migrations.AddField(
            model_name="demand",
            name="address_masked",
            field=lianxin.core.masking.MaskedCopyField(
                blank=True, default="", masker="lianxin.demands.intel_port.mask_pii", source="address"
            ),
        ),
        migrations.AddField(
            model_name="demand",
            name="address_prefix",
            field=lianxin.core.masking.MaskedCopyField(
                blank=True, default="", masker="lianxin.core.masking.mask_address", source="address"
            ),
        ),
        migrations.AddField(
            model_name="demand",
            name="content_masked",
            field=lianxin.core.masking.MaskedCopyField(
                blank=True, default="", masker="lianxin.demands.intel_port.mask_pii", source="content"
            ),
        ),
        migrations.AddField(
            model_name="demand",
            name="text_numbers",
            field=lianxin.core.crypto.NumberIndexField(
                blank=True, default="", sources=["title", "content", "address"]
            ),
        ),
        migrations.AddField(
            model_name="demand",
            name="title_masked",
            field=lianxin.core.masking.MaskedCopyField(
                blank=True, default="", masker="lianxin.demands.intel_port.mask_pii", source="title"
            ),
        ),
        migrations.AlterField(
            model_name="demand",
            name="address",
            field=lianxin.core.crypto.EncryptedTextField(blank=True, max_length=300, verbose_name="地址"),
        ),
        migrations.AlterField(
            model_name="demand",
            name="content",
            field=lianxin.core.crypto.EncryptedTextField(verbose_name="内容"),
        ),
        migrations.AlterField(
            model_name="demand",
            name="title",
            field=lianxin.core.crypto.EncryptedTextField(max_length=200, verbose_name="标题"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=True),
    ]
