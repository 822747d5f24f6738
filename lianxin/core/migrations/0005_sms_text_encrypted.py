"""A text message's text is stored encrypted: it carries a tracking page's 查询码 (the key to a demand's
reply and contact) or a sign-in code, which the database must not hold in clear.

The data step encrypts the rows stored before (their plain text is taken as it is); it is idempotent, and
`lianxin rekey` does the same work later."""

from django.db import migrations

import lianxin.core.crypto


def encrypt_existing(apps, schema_editor):
    from lianxin.core.crypto import rewrite_encrypted

    rewrite_encrypted(apps.get_model("core", "SmsMessage"), plain_ok=True, refresh=True)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_outbox_sms"),
    ]

    operations = [
        migrations.AlterField(
            model_name="smsmessage",
            name="text",
            field=lianxin.core.crypto.EncryptedTextField(verbose_name="内容"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop, elidable=True),
    ]
