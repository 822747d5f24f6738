"""Personal data in free text: detection and masking."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from lianxin.intel.pii import detect_pii, id_card_checksum_ok, mask_pii


def kinds(text: str) -> list[str]:
    return [f.kind for f in detect_pii(text)]


def test_mobile_numbers_in_many_writings_are_found_and_masked():
    for text in ["电话13812345678。", "电话：138-1234-5678", "+86 139 1234 5678", "１３８１２３４５６７８"]:
        assert kinds(text) == ["phone"], text
        masked = mask_pii(text)
        assert len(masked) == len(text)
        assert not re.search(r"[0-9０-９]{4}", masked.replace("+86", "")), masked


def test_landlines_and_service_numbers_are_phones():
    assert kinds("联系电话0731-84567890") == ["phone"]
    assert kinds("热线400-800-1234") == ["phone"]


def test_identity_numbers_with_checksum_reported():
    valid = "11010519491231002X"
    assert id_card_checksum_ok(valid)
    (finding,) = detect_pii(f"身份证号{valid}，")
    assert finding.kind == "id_card" and finding.valid is True
    (typo,) = detect_pii("身份证430102198001011234")
    assert typo.kind == "id_card" and typo.valid is False  # still personal, still masked
    assert "430102" not in mask_pii("身份证430102198001011234")


def test_addresses_keep_the_place_and_mask_the_door():
    masked = mask_pii("我住在劳动东路123号3栋2单元301室")
    assert masked.startswith("我住在劳动东路") and "123" not in masked and "301" not in masked
    assert mask_pii("江山帝景A14栋的住户") == "江山帝景****的住户"


def test_names_introduced_as_such_are_masked():
    assert mask_pii("我叫祝落根，男，五十岁") == "我叫***，男，五十岁"
    assert mask_pii("联系人：王五，电话") == "联系人：**，电话"


def test_ordinary_numbers_are_left_alone():
    text = "地铁3号线在2019年10月通车，第5号文件，票价2元，共120户"
    assert detect_pii(text) == []
    assert mask_pii(text) == text


def test_email_local_part_is_masked():
    assert mask_pii("邮箱abc.d@qq.com") == "邮箱*****@qq.com"


def test_detection_spans_are_offsets_into_the_original_text():
    text = "王先生电话13812345678"
    (finding,) = detect_pii(text)
    assert text[finding.start : finding.end] == "13812345678"
    assert finding.as_dict() == {"kind": "phone", "start": 5, "end": 16}


def test_empty_and_none_are_harmless():
    assert detect_pii("") == [] and detect_pii(None) == []
    assert mask_pii(None) == "" and mask_pii("") == ""


mobile = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)
separator = st.sampled_from(["", " ", "-"])
# around the number: any text but digits (a number glued to other digits is another number)
free_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Nd", "No")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(free_text, mobile, separator, free_text)
def test_masking_never_leaks_a_phone_number(before, number, sep, after):
    written = f"{number[:3]}{sep}{number[3:7]}{sep}{number[7:]}"
    text = f"{before}电话{written}，{after}"
    masked = mask_pii(text)
    assert len(masked) == len(text)
    assert not re.search(r"[ \-]?".join(number), masked)
    assert written not in masked


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_detection_never_raises_and_spans_never_overlap(text):
    findings = detect_pii(text)
    for a, b in zip(findings, findings[1:]):
        assert a.end <= b.start
    assert len(mask_pii(text)) == len(text)


def test_mobile_numbers_with_dots_dashes_and_middle_dots_are_phones():
    for text in [
        "电话139.1234.5678",
        "手机 139 1234 5678，",
        "139—1234—5678",
        "139——1234——5678",
        "139–1234–5678",
        "139·1234·5678",
        "139・1234・5678",
        "139 - 1234 - 5678",
        "１３９．１２３４．５６７８",
        "+86.139.1234.5678",
        "座机0731.8456.7890",
        "0731—8456—7890",
    ]:
        assert kinds(text) == ["phone"], text
        masked = mask_pii(text)
        assert len(masked) == len(text)
        assert not re.search(r"[0-9０-９]{2}", masked.replace("+86", "")), masked


def test_local_landlines_after_a_contact_cue_are_phones():
    for text, number in [
        ("联系电话：84567890", "84567890"),
        ("请拨打 8456 7890 咨询", "8456 7890"),
        ("电话是845-6789。", "845-6789"),
        ("热线（84567890）", "84567890"),
        ("致电84567890", "84567890"),
        ("手机号码为8456·7890", "8456·7890"),
        ("Tel: 84567890", "84567890"),
        ("telephone 8456-7890", "8456-7890"),
        ("联系方式：８４５６７８９０", "８４５６７８９０"),
    ]:
        assert kinds(text) == ["phone"], text
        masked = mask_pii(text)
        assert number not in masked and not re.search(r"[0-9０-９]", masked), masked
    masked = mask_pii("电话84567890、84567891或8456-7892，周一至周五")
    assert masked == "电话********、********或****-****，周一至周五"


def test_amounts_dates_and_ticket_numbers_near_a_cue_are_not_phones():
    for text in [
        "手机3999999元",
        "电话费用84567890",
        "联系时间20201126",
        "联系了8456789户",
        "电话 84567890 万元",
        "热线接到84567890次",  # a count, not introduced as the number
        "电话工单202611260000356已办结",
        "电话202611260000356",
        "联系 12345 热线",
        "共84567890人，电话。",  # the cue comes after
        "总价1020408元，拨打过。",
        "hotel 84567890",
        "联系。84567890",  # not across a sentence
    ]:
        assert mask_pii(text) == text, text


cue = st.sampled_from(["电话", "联系电话：", "拨打", "致电", "热线", "手机号：", "tel:", "联系方式为 "])
local = st.builds(
    lambda first, rest: f"{first}{rest}",
    st.sampled_from("23456789"),
    st.text(alphabet="0123456789", min_size=6, max_size=7),
)
wide_separator = st.sampled_from(["", " ", "-", ".", "—", "——", "·", "・", " - "])


@settings(max_examples=300, deadline=None)
@given(free_text, mobile, wide_separator, free_text)
def test_masking_never_leaks_a_mobile_written_with_any_separator(before, number, sep, after):
    written = f"{number[:3]}{sep}{number[3:7]}{sep}{number[7:]}"
    text = f"{before} {written}，{after}"
    masked = mask_pii(text)
    assert len(masked) == len(text)
    assert written not in masked and number[3:7] not in masked and number[7:] not in masked


@settings(max_examples=300, deadline=None)
@given(free_text, cue, local, wide_separator, free_text)
def test_masking_never_leaks_a_local_landline_after_a_cue(before, said, number, sep, after):
    written = f"{number[:-4]}{sep}{number[-4:]}"
    text = f"{before}。{said}{written}，{after}"
    masked = mask_pii(text)
    assert len(masked) == len(text)
    assert written not in masked and number[-4:] not in masked


# --- issue 17: names of private persons, doors, plates, bank cards; official lines kept ---------------


def test_names_after_a_role_or_before_the_sex_are_masked():
    assert mask_pii("村民张建国家的房子被拆了") == "村民***家的房子被拆了"
    assert mask_pii("被举报人李卫东在小区违建") == "被举报人***在小区违建"
    assert mask_pii("封群雄，男，西地省M市人") == "***，男，西地省M市人"
    assert mask_pii("户主：张三、李四、王五，共三户") == "户主：**、**、**，共三户"
    assert mask_pii("村民孙某把宅基地转给了我") == "村民孙某把宅基地转给了我"  # already anonymised
    assert mask_pii("业主们多次向物业反映") == "业主们多次向物业反映"


def test_the_salutation_of_a_reply_loses_its_surname():
    assert mask_pii("沈同志：您好！") == "*同志：您好！"
    assert mask_pii("信访事项答复意见书龙**同志:您于2023年") == "信访事项答复意见书***同志:您于2023年"
    assert mask_pii("李(先生/女士):您好!") == "*(先生/女士):您好!"
    assert mask_pii("同志们好") == "同志们好"


def test_doors_plates_and_bank_cards_are_masked():
    assert mask_pii("我住5#楼2单元301室") == "我住**********"
    assert mask_pii("12栋3单元701室漏水") == "**********漏水"
    assert mask_pii("车牌沪A·12345的出租车") == "车牌沪A·*****的出租车"
    assert mask_pii("银行卡号6222021234567890123") == "银行卡号" + "*" * 19
    assert kinds("退款请转到6225880137706868。") == ["bank_card"]
    assert kinds("工单202611260000356已办结") == []  # not a card: fails the Luhn check or too short


def test_official_replies_keep_the_units_lines_and_mask_the_citizens():
    reply = "沈同志：您好！请致电0731-84567890或12345热线；已联系业主李四，电话13912345678。"
    kept = mask_pii(reply, official=True)
    assert "0731-84567890" in kept and "12345热线" in kept
    assert "13912345678" not in kept and "李四" not in kept and not kept.startswith("沈")
    assert "0731-84567890" not in mask_pii(reply)  # not official: every phone goes
    office = "可向人民调解委员会（零陵北路41号，电话64183356）申请调解"
    assert mask_pii(office, official=True) == office


def test_the_log_filter_kinds_still_scrub_every_private_phone():
    text = "沈同志：请致电0731-84567890，业主电话13912345678"
    masked = mask_pii(text, kinds={"phone", "id_card", "email"})
    assert "84567890" not in masked and "13912345678" not in masked and masked.startswith("沈同志")


def test_pii_check_set_per_kind():
    import pytest

    from lianxin.intel.pii import official_line
    from lianxin.intel.screening_checks import load_pii_checks, pii_scores
    from tests.conftest import require_shared
    from tests.intel.conftest import DATA, SHARED

    require_shared("附件3.xlsx", "附件4.xlsx")
    if not (SHARED / "data" / "shanghai_xfb" / "letters.csv").exists():
        pytest.skip("../shared/data/shanghai_xfb/letters.csv is absent")
    checks = load_pii_checks(DATA / "pii_checks.csv", SHARED / "data")
    assert {c.source for c in checks} == {"tipdm", "shanghai", "written"}
    scores = pii_scores(
        checks,
        lambda c: [
            (f.kind, f.start, f.end)
            for f in detect_pii(c.text)
            if not (c.official and official_line(c.text, f))
        ],
        lambda c: mask_pii(c.text, official=c.official),
    )
    assert scores["all"]["kept"]["share"] == 1.0
    assert scores["all"]["phone"]["recall"] == 1.0
    assert scores["all"]["name"]["recall"] >= 0.7 and scores["all"]["name"]["precision"] >= 0.9
