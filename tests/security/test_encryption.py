"""Issue 21 item 2: personal data typed into free text is stored encrypted, with masked copies for display
and search; the cipher is pluggable (Fernet, SM4-GCM), tokens say which, keys rotate with `lianxin rekey`."""

import pytest
from django.core.management import call_command
from django.db import connection

from lianxin.core import crypto
from lianxin.demands.models import Demand
from tests.demands.factories import make_demand

PHONE = "13987654321"
ID_NUMBER = "430102199003071234"
OLD_KEY = "lianxin-tests-old-data-key-0123456789-abcdefghij"


def raw(demand, *columns):
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {names} FROM demands_demand WHERE id = %s", [demand.pk])
        return dict(zip(columns, cursor.fetchone()))


@pytest.fixture
def demand(world):
    return make_demand(
        world,
        title=f"回电{PHONE}",
        content=f"我的电话{PHONE}，身份证{ID_NUMBER}。",
        address="东风街道幸福小区3栋2单元501",
    )


def test_free_text_is_stored_encrypted_and_read_back_in_clear(demand):
    stored = raw(demand, "title", "content", "address", "contact_phone")
    for column, value in stored.items():
        assert PHONE not in value and ID_NUMBER not in value and "幸福小区" not in value, column
        assert value.startswith("gAAAAA"), column  # Fernet, the default cipher
    fresh = Demand.objects.get(pk=demand.pk)
    assert PHONE in fresh.title and ID_NUMBER in fresh.content and fresh.address.endswith("501")
    # reads that go through values() decrypt as well (the classifier reads title and content so)
    title, content = Demand.objects.filter(pk=demand.pk).values_list("title", "content").get()
    assert PHONE in title and ID_NUMBER in content


def test_masked_copies_hide_the_personal_data(demand):
    stored = raw(demand, "title_masked", "content_masked", "address_masked", "address_prefix", "text_numbers")
    assert PHONE not in stored["title_masked"] and PHONE not in stored["content_masked"]
    assert ID_NUMBER not in stored["content_masked"] and "身份证" in stored["content_masked"]
    assert stored["address_prefix"] == "东风街道幸福***"
    assert "501" not in stored["address_masked"] or "幸福小区" in stored["address_masked"]
    assert crypto.number_index(PHONE) in stored["text_numbers"].split()
    assert crypto.number_index(ID_NUMBER) in stored["text_numbers"].split()
    assert PHONE not in stored["text_numbers"]


def test_an_edit_of_the_text_refreshes_the_masked_copy(demand):
    demand.content = "已改：电话 13800001111"
    demand.save()
    stored = raw(demand, "content_masked", "text_numbers")
    assert "13800001111" not in stored["content_masked"]
    assert stored["text_numbers"].split() == [crypto.number_index(PHONE), crypto.number_index("13800001111")]


def test_sm4_gcm_tokens_are_self_describing_and_both_ciphers_read(world, settings):
    fernet_demand = make_demand(world, content=f"电话{PHONE}")
    settings.LIANXIN_CIPHER = "sm4"
    sm4_demand = make_demand(world, content=f"电话{PHONE}")
    token = raw(sm4_demand, "content")["content"]
    assert token.startswith("sm4:") and PHONE not in token
    assert raw(fernet_demand, "content")["content"].startswith("gAAAAA")
    for d in (fernet_demand, sm4_demand):
        assert PHONE in Demand.objects.get(pk=d.pk).content
    settings.LIANXIN_CIPHER = "fernet"
    assert PHONE in Demand.objects.get(pk=sm4_demand.pk).content


def test_sm4_tokens_are_authenticated(settings):
    settings.LIANXIN_CIPHER = "sm4"
    token = crypto.encrypt("张三 13987654321")
    assert crypto.decrypt(token) == "张三 13987654321"
    assert crypto.encrypt("x") != crypto.encrypt("x")  # a fresh nonce each time
    kid, body = token[4:].split(":", 1)
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(ValueError):
        crypto.decrypt(f"sm4:{kid}:{flipped}")
    settings.DATA_KEY = "another-key-entirely-0123456789-abcdefghijklmn"
    with pytest.raises(ValueError):
        crypto.decrypt(token)


def test_an_unknown_cipher_is_refused(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.LIANXIN_CIPHER = "rot13"
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


def test_the_sm3_blind_index(settings):
    sha = crypto.phone_index(PHONE)
    settings.LIANXIN_INDEX_HASH = "sm3"
    sm3 = crypto.phone_index(PHONE)
    assert len(sm3) == 64 and sm3 != sha
    assert crypto.phone_index("+86 139-8765-4321") == sm3
    assert crypto.phone_index("13987654320") != sm3


def test_rotation_reads_old_keys_and_rekey_rewrites_every_row(world, settings):
    settings.DATA_KEY = OLD_KEY
    settings.LIANXIN_INDEX_KEY = OLD_KEY
    d = make_demand(world, content=f"电话{PHONE}", contact_phone=PHONE)
    old_token = raw(d, "content")["content"]
    # a new key; the old one still read
    settings.DATA_KEY = "lianxin-tests-new-data-key-0123456789-abcdefghij"
    with pytest.raises(ValueError):
        Demand.objects.get(pk=d.pk)
    settings.LIANXIN_DATA_KEYS_OLD = OLD_KEY
    assert PHONE in Demand.objects.get(pk=d.pk).content
    settings.LIANXIN_CIPHER = "sm4"
    call_command("rekey", verbosity=0)
    stored = raw(d, "content", "contact_phone", "contact_name", "title")
    assert stored["content"] != old_token
    assert all(v.startswith("sm4:") for v in stored.values())
    assert all(crypto.token_is_current(v) for v in stored.values())
    # the old key is no longer needed, and the phone's blind index still matches (the index key is pinned)
    settings.LIANXIN_DATA_KEYS_OLD = ""
    fresh = Demand.objects.get(pk=d.pk)
    assert PHONE in fresh.content and fresh.contact_phone == PHONE
    assert Demand.objects.filter(contact_phone_hash=crypto.phone_index(PHONE)).count() == 1
    # a second run has nothing left to do
    from io import StringIO

    out = StringIO()
    call_command("rekey", stdout=out)
    assert "0 rows rewritten" in out.getvalue()


def test_rekey_refuses_to_rotate_with_an_unpinned_index_key(world, settings):
    from django.core.management.base import CommandError

    settings.LIANXIN_DATA_KEYS_OLD = OLD_KEY
    with pytest.raises(CommandError, match="LIANXIN_INDEX_KEY"):
        call_command("rekey", verbosity=0)


def test_the_migration_step_encrypts_rows_stored_in_clear(demand):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE demands_demand SET content = %s, content_masked = '' WHERE id = %s",
            [f"明文 {PHONE}", demand.pk],
        )
    with pytest.raises(ValueError):
        Demand.objects.get(pk=demand.pk)
    assert crypto.rewrite_encrypted(Demand, plain_ok=True) == 1
    stored = raw(demand, "content", "content_masked")
    assert PHONE not in stored["content"] and PHONE not in stored["content_masked"]
    assert "明文" in stored["content_masked"]
    assert Demand.objects.get(pk=demand.pk).content == f"明文 {PHONE}"
