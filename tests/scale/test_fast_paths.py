"""Issue 22: the faster paths of the submission and the seeding give what the plain ones give.

- `intel.pii`: the address scan tried only near a place word followed by a door, and the patterns skipped
  for a text that cannot hold what they look for (no digit, no "@", no door character) find exactly
  what the patterns find everywhere;
- `core.crypto`: a stored value skipped as "no token" is one that decrypting refuses; `rewrite_encrypted`
  writes a batch in one statement on PostgreSQL and keeps to `pk_range`;
- `demands.services.intake`: the insert statement compiled once stores the same row as the compiled one.
"""

import csv
import random
import re
from pathlib import Path

import pytest
from django.db import connection

from lianxin.core import crypto
from lianxin.demands.models import Demand
from lianxin.demands.services import intake
from lianxin.intel import pii
from tests.demands.factories import make_demand

LETTERS = Path(__file__).resolve().parents[3] / "shared" / "data" / "shanghai_xfb" / "letters.csv"
PIECES = [
    "幸福路", "12号", "3栋2单元301室", "＃", "１３９１２３４５６７８", "电话", "8456 7890", "小区", "花园",
    "A14栋", "#楼", "村民张三", "湘A·12345", "a@b.cn", "6222020200112233445", "号", "楼", "新村", "大道",
    "（", "）", "路", "一二三", "3#", "12号楼", "5层", "十号", "G2栋320", "—12", "305", "江山帝景", "号房",
    "户", "房", "座", "幢", "组", "里", "弄", "城", "府", "苑", "园", "巷", "街", "社区", "广场", "大厦",
    "公寓", "家园", "的", "，", "。", "我", "在",
]  # fmt: skip


def _texts(n: int = 20000) -> list[str]:
    rng = random.Random(22)
    texts = ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 25))) for _ in range(n)]
    if LETTERS.exists():  # real letters and official replies, when the shared data is there
        csv.field_size_limit(10**8)
        with LETTERS.open(newline="", encoding="utf-8") as fh:
            rows = csv.reader(fh)
            next(rows)
            for i, row in enumerate(rows):
                texts.extend(row[1:3] + [row[5]])
                if i >= 3000:
                    break
    return texts


def _spans(matches) -> list[tuple[int, int, int, int]]:
    return [(*m.span("name"), *m.span("door")) for m in matches]


def test_the_address_scan_finds_what_the_pattern_finds_everywhere():
    texts = _texts()
    found = 0
    for text in texts:
        folded = text.translate(pii._WIDTH)
        expected = _spans(pii._ADDRESS.finditer(folded))
        assert _spans(pii._address_matches(folded)) == expected, text
        found += len(expected)
    assert found > 1000  # the corpus does hold addresses


def test_the_patterns_skipped_for_a_text_would_have_found_nothing():
    digit_patterns = (pii._ID18, pii._ID15, pii._MOBILE, pii._LANDLINE, pii._SERVICE, pii._CUED_LOCAL)
    checked = {"digit": 0, "email": 0, "door": 0, "wide": 0}
    for text in _texts():
        folded = text.translate(pii._WIDTH)
        if pii._ANY_DIGIT.search(folded) is None:
            checked["digit"] += 1
            assert not any(p.search(folded) for p in digit_patterns), text
        if "@" not in folded:
            checked["email"] += 1
            assert pii._EMAIL.search(folded) is None, text
        if pii._DOOR_MARKS.isdisjoint(folded):
            checked["door"] += 1
            assert pii._DOOR.search(folded) is None, text
        if pii._ANY_WIDE.search(text) is None:
            checked["wide"] += 1
            assert folded == text
    assert min(checked.values()) > 100


def test_masking_keeps_its_output_on_known_texts():
    text = "我叫张三，电话１３９１２３４５６７８，住幸福路12号3栋2单元301室，邮箱 a@b.cn。"
    assert pii.mask_pii(text) == "我叫**，电话***********，住幸福路" + "*" * 12 + "，邮箱 *@b.cn。"
    assert pii.mask_pii("路灯不亮，请尽快维修。") == "路灯不亮，请尽快维修。"


def _decrypting(token: str) -> tuple[str, bool]:
    """What `_plain_of(…, plain_ok=True)` gave before the shortcut: decrypt everything."""
    try:
        plain = crypto.decrypt(token)
    except ValueError:
        return token, True
    return plain, not crypto.token_is_current(token)


def test_a_value_skipped_as_no_token_is_one_that_decrypting_refuses():
    token = crypto.encrypt("路灯")
    rng = random.Random(5)
    alphabet = "abgAZ09+/-_=*. 路基\n"
    values = [
        token,
        " " + token,
        "路" + token,
        "基准 " + token,
        "=" + token,
        "sm4:00:xx",
        "g",
        "路灯",
        "hello",
    ]
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(5000)]
    values += ["".join(rng.choice("路 =*") for _ in range(rng.randint(0, 3))) + token for _ in range(300)]
    for value in values:
        assert crypto._plain_of(value, plain_ok=True) == _decrypting(value), repr(value)
    assert crypto._plain_of(" " + token, plain_ok=True) == ("路灯", False)  # read (the decoder skips " ")


@pytest.mark.django_db
def test_rewrite_encrypted_writes_batches_within_the_range(world):
    demands = [make_demand(world, title=f"标题{i}", content=f"内容{i} 电话13912345678") for i in range(5)]
    with connection.cursor() as cursor:
        for d in demands:
            cursor.execute(
                "UPDATE demands_demand SET content = %s, content_masked = '' WHERE id = %s",
                [f"明文{d.pk} 电话13912345678", d.pk],
            )
    first, last = demands[1].pk, demands[3].pk
    assert crypto.rewrite_encrypted(Demand, plain_ok=True, batch=2, pk_range=(first, last)) == 3
    with pytest.raises(ValueError):  # outside the range: still plain
        Demand.objects.get(pk=demands[0].pk)
    for d in demands[1:4]:
        stored = Demand.objects.get(pk=d.pk)
        assert stored.content == f"明文{d.pk} 电话13912345678"
        assert stored.content_masked == f"明文{d.pk} 电话***********"
        with connection.cursor() as cursor:
            cursor.execute("SELECT content FROM demands_demand WHERE id = %s", [d.pk])
            assert "明文" not in cursor.fetchone()[0]
    assert crypto.rewrite_encrypted(Demand, plain_ok=True) == 2  # the rest
    assert crypto.rewrite_encrypted(Demand, plain_ok=True) == 0


@pytest.mark.django_db(transaction=True)
def test_the_insert_compiled_once_stores_the_same_row(world):
    if connection.vendor != "postgresql":
        pytest.skip("the statement is the PostgreSQL insert")
    intake._PG_INSERT_SQL.clear()
    made = []
    for i, key in enumerate(["", "k-1", "", "k-2"]):
        demand, created = intake.demand_submit(
            actor=None,
            title=f"路灯不亮{i}",
            content=f"幸福路12号门口路灯不亮，电话13912345678，第{i}次",
            address="幸福路12号3栋",
            contact_phone="13912345678",
            idempotency_key=key,
        )
        assert created
        made.append(demand)
    assert set(intake._PG_INSERT_SQL) == {("postgresql", False), ("postgresql", True)}
    for i, demand in enumerate(made):
        stored = Demand.objects.get(pk=demand.pk)
        assert stored.ticket_no == demand.ticket_no and re.fullmatch(r"\d{8}\d{7,}", stored.ticket_no)
        assert stored.title == f"路灯不亮{i}" and stored.contact_phone == "13912345678"
        assert stored.content_masked == f"幸福路***门口路灯不亮，电话***********，第{i}次"
        assert stored.address_masked == "幸福路*****" and stored.address_prefix == "幸福路12号***"
        assert stored.text_numbers == crypto.number_index("13912345678")
        assert stored.query_code == demand.query_code and stored.status == "submitted"
    replay, created = intake.demand_submit(
        actor=None,
        title="路灯不亮1",
        content="幸福路12号门口路灯不亮，电话13912345678，第1次",
        address="幸福路12号3栋",
        contact_phone="13912345678",
        idempotency_key="k-1",
    )
    assert not created and replay.pk == made[1].pk
