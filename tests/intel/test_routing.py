"""Unit routing (lianxin.intel.routing) on small synthetic data: places route, aliases map, rare units are
noted, files round-trip, training is deterministic; the gazetteer, unit names and file reading."""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from lianxin.intel.errors import IntelError
from lianxin.intel.routing import (
    Aliases,
    Gazetteer,
    Place,
    RoutingExample,
    UnitAlias,
    UnitInfo,
    UnitRouter,
    auto_threshold,
    parse_unit_name,
    places_from_unit_names,
    read_routing_file,
    routing_evaluate,
    routing_train,
    short_forms,
    unit_places,
    unit_role,
)

CITY = "江南市"
DISTRICTS = {"东城区": ["花园镇", "柳林街道"], "西城区": ["石桥镇", "梅岭街道"]}
TOPICS = {
    "教育局": ["学校食堂卫生差孩子吃不好", "老师课后补课收费", "小学招生划片不公平", "幼儿园学费上涨太多"],
    "建设和管理委员会": ["道路施工噪音扰民", "路面坑洼井盖松动", "人行道被挖开没有修复", "桥梁护栏损坏"],
}
TOWN_TOPICS = ["小区垃圾无人清运", "村里路灯坏了", "菜市场占道经营", "老旧小区加装电梯"]


def _units() -> dict[str, str]:
    """unit name → kind of text it handles."""
    units = {}
    for district, towns in DISTRICTS.items():
        for office in TOPICS:
            units[f"{CITY}{district}{office}"] = office
        for town in towns:
            office = "人民政府" if town.endswith("镇") else "办事处"
            prefix = "" if town.endswith("镇") else "人民政府"
            units[f"{CITY}{district}{prefix}{town}{office}"] = "town"
    return units


def _text(rng: random.Random, kind: str, district: str, town: str) -> str:
    if kind == "town":
        topic = rng.choice(TOWN_TOPICS)
        return f"{district}{town}{topic}" if rng.random() < 0.5 else f"{town}{topic}，希望尽快处理"
    topic = rng.choice(TOPICS[kind])
    return f"{district}{topic}，请有关部门处理" if rng.random() < 0.8 else f"反映{topic}"


def corpus(n_per_unit: int = 8, seed: int = 0) -> list[RoutingExample]:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1)
    examples = []
    for k in range(n_per_unit):
        for name, kind in _units().items():
            district = next(d for d in DISTRICTS if d in name)
            town = next((t for t in DISTRICTS[district] if t in name), rng.choice(DISTRICTS[district]))
            examples.append(
                RoutingExample(
                    _text(rng, kind, district, town),
                    name,
                    time=start + timedelta(days=k, hours=len(examples)),
                )
            )
    return examples


@pytest.fixture(scope="module")
def router() -> UnitRouter:
    examples = corpus()
    examples.append(RoutingExample("区图书馆开放时间太短", f"{CITY}东城区图书馆", time=datetime(2024, 1, 3)))
    return routing_train(examples)


# --- names and places -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("上海市浦东新区人民政府花木街道办事处", ("上海市", "浦东新区", "花木街道")),
        ("上海市闵行区颛桥镇人民政府", ("上海市", "闵行区", "颛桥镇")),
        ("上海市浦东新区唐镇人民政府", ("上海市", "浦东新区", "唐镇")),
        ("上海市金山区教育局", ("上海市", "金山区", "")),
        ("上海市交通委员会", ("上海市", "", "")),
        ("上海市崇明区农业农村委员会", ("上海市", "崇明区", "")),
        ("A市A5区住房和城乡建设局", ("A市", "A5区", "")),
        ("上海交通大学医学院附属瑞金医院", ("", "", "")),
    ],
)
def test_unit_names_are_read_for_their_places(name, parsed):
    assert parse_unit_name(name) == parsed


def test_short_forms_and_the_gazetteer_find_places_longest_first():
    assert short_forms("浦东新区", "district") == ["浦东新区", "浦东"]
    assert short_forms("康健新村街道", "town") == ["康健新村街道", "康健新村", "康健"]
    assert short_forms("A5区", "district") == ["A5区"]  # a code has no short form
    gazetteer = Gazetteer([Place("浦东新区", "district"), Place("花木街道", "town", "浦东新区")])
    found = gazetteer.find("浦东花木街道某小区电梯坏了，浦东新区")
    assert [(m.place.name, m.exact) for m in found] == [
        ("浦东新区", False),
        ("花木街道", True),
        ("浦东新区", True),
    ]
    assert gazetteer.district_of("花木街道") == "浦东新区"
    assert gazetteer.town_of("花木街道") == "花木街道"


def test_places_are_learnt_from_unit_names_and_units_placed_by_them():
    names = [
        "上海市闵行区教育局",
        "上海市闵行区七宝镇人民政府",
        "上海市公安局闵行分局",
        "上海市嘉定工业区管理委员会",
    ]
    places = places_from_unit_names(names)
    assert Place("闵行区", "district") in places and Place("七宝镇", "town", "闵行区") in places
    assert not any(p.name == "嘉定工业区" for p in places)  # one unit's name alone is not a district
    gazetteer = Gazetteer(places)
    assert unit_places("上海市公安局闵行分局", gazetteer) == ("闵行区", "")
    assert unit_places("上海市闵行区七宝镇人民政府", gazetteer) == ("闵行区", "七宝镇")
    assert unit_role("上海市闵行区教育局", "闵行区", "", gazetteer) == "D:教育局"
    assert unit_role("上海市闵行区七宝镇人民政府", "闵行区", "七宝镇", gazetteer) == "T:人民政府"


# --- routing ----------------------------------------------------------------------------------------


def test_the_place_named_routes_to_that_place_s_unit(router):
    west = router.route("西城区小学招生划片不公平，请有关部门处理")
    assert west.units[0].unit == f"{CITY}西城区教育局"
    assert len(west.units) == 3 and west.units[0].score >= west.units[1].score
    assert any(r.kind == "district" and r.detail == "西城区" for r in west.units[0].reasons)
    east = router.route("东城区小学招生划片不公平，请有关部门处理")
    assert east.units[0].unit == f"{CITY}东城区教育局"
    town = router.route("石桥镇老旧小区加装电梯，希望尽快处理")
    assert town.units[0].unit == f"{CITY}西城区石桥镇人民政府"
    assert any(r.kind == "town" and r.detail == "石桥镇" for r in town.units[0].reasons)


def test_the_area_given_by_the_caller_counts_as_a_place():
    places = [Place(d, "district") for d in DISTRICTS] + [
        Place(t, "town", d) for d, towns in DISTRICTS.items() for t in towns
    ]
    rng = random.Random(1)
    examples = []
    for e in corpus():
        district = next(d for d in DISTRICTS if d in e.unit)
        area = next((t for t in DISTRICTS[district] if t in e.unit), rng.choice(DISTRICTS[district]))
        text = e.text.replace(district, "").replace(area, "")
        examples.append(RoutingExample(text, e.unit, area=area, time=e.time))
    router = routing_train(examples, gazetteer=places)
    result = router.route("路面坑洼井盖松动", area="梅岭街道")
    assert result.units[0].unit == f"{CITY}西城区建设和管理委员会"
    assert any(r.kind == "area" and r.detail == "梅岭街道" for r in result.units[0].reasons)
    assert router.route("路面坑洼井盖松动", area="花园镇").units[0].unit == f"{CITY}东城区建设和管理委员会"


def test_a_unit_seen_once_is_left_out_with_a_note(router):
    assert router.info.left_out == {f"{CITY}东城区图书馆": 1}
    assert any("fewer than 2 examples" in note and "图书馆" in note for note in router.info.notes)
    assert f"{CITY}东城区图书馆" not in router.units


def test_aliases_map_a_renamed_unit_to_its_successor():
    old, new = f"{CITY}东城区建设局", f"{CITY}东城区建设和管理委员会"
    examples = [RoutingExample(e.text, old if e.unit == new else e.unit, time=e.time) for e in corpus()]
    router = routing_train(examples, aliases=[UnitAlias(old, new, datetime(2023, 12, 1))])
    assert new in router.units and old not in router.units
    assert any("successor" in note for note in router.info.notes)
    assert router.route("东城区路面坑洼井盖松动").units[0].unit == new


def test_an_alias_that_takes_effect_later_maps_suggestions_from_its_day_on():
    old, new = f"{CITY}西城区教育局", f"{CITY}西城区教育和体育局"
    since = datetime(2024, 6, 1)
    router = routing_train(corpus(), aliases=[UnitAlias(old, new, since)])
    assert old in router.units  # merged after the training data: learnt under its old name
    text = "西城区小学招生划片不公平，请有关部门处理"
    assert router.route(text, time=since - timedelta(days=1)).units[0].unit == old
    after = router.route(text, time=since + timedelta(days=1)).units[0]
    assert after.unit == new and after.reasons[0].kind == "alias" and after.reasons[0].detail == old


def test_aliases_follow_chains_and_ignore_cycles():
    table = Aliases(
        [UnitAlias("甲", "乙"), UnitAlias("乙", "丙", datetime(2024, 1, 1)), UnitAlias("丙", "甲")]
    )
    assert table.resolve("甲", datetime(2023, 1, 1)) == ("乙", ["甲"])
    assert table.resolve("甲", datetime(2024, 2, 1)) == ("丙", ["甲", "乙"])


def test_the_caller_s_unit_places_are_used_for_units_whose_names_carry_none():
    examples = [
        RoutingExample(f"东城区{t}", "东区学校管理处", time=datetime(2024, 1, i + 1))
        for i, t in enumerate(TOPICS["教育局"])
    ]
    examples += [
        RoutingExample(f"西城区{t}", "西区学校管理处", time=datetime(2024, 1, i + 1))
        for i, t in enumerate(TOPICS["教育局"])
    ]
    units = [UnitInfo("东区学校管理处", district="东城区"), UnitInfo("西区学校管理处", district="西城区")]
    router = routing_train(examples * 2, gazetteer=[Place(d, "district") for d in DISTRICTS], units=units)
    assert router.route("西城区老师课后补课收费").units[0].unit == "西区学校管理处"


def test_empty_and_odd_texts_get_suggestions_and_a_note(router):
    empty = router.route("")
    assert empty.units and not empty.confident and "empty" in empty.notes[0]
    assert "no Chinese" in router.route("hello 123").notes[0]
    long = router.route("东城区路面坑洼井盖松动" * 500)
    assert long.units[0].unit == f"{CITY}东城区建设和管理委员会" and "first 1000" in long.notes[0]


def test_too_few_units_is_refused():
    with pytest.raises(IntelError) as caught:
        routing_train(
            [RoutingExample("道路施工", "甲"), RoutingExample("道路施工", "甲"), RoutingExample("x", "乙")]
        )
    assert caught.value.problem == "few_units"


# --- files, determinism -----------------------------------------------------------------------------


def test_save_load_round_trip(router, tmp_path):
    texts = ["西城区小学招生划片不公平", "柳林街道小区垃圾无人清运", "路面坑洼井盖松动"]
    before = router.route_many(texts)
    info = router.save(tmp_path / "router.model")
    loaded = UnitRouter.load(tmp_path / "router.model")
    assert loaded.info == info and loaded.units == router.units
    assert loaded.route_many(texts) == before
    assert UnitRouter.from_bytes(router.to_bytes()).route_many(texts) == before


def test_damaged_and_foreign_files_are_refused(router, tmp_path):
    data = router.to_bytes()
    cases = {
        "empty": b"",
        "foreign": b"PK\x03\x04 not a model",
        "truncated": data[:-10],
        "checksum": data[:-1] + bytes([data[-1] ^ 1]),
    }
    for problem, blob in cases.items():
        with pytest.raises(IntelError) as caught:
            UnitRouter.from_bytes(blob)
        assert caught.value.problem == problem
    from lianxin.intel.classifier import classifier_train

    classifier = classifier_train(["道路施工"] * 3 + ["学校收费"] * 3, ["甲"] * 3 + ["乙"] * 3)
    with pytest.raises(IntelError) as caught:
        UnitRouter.from_bytes(classifier.to_bytes())
    assert caught.value.problem == "not_router"
    with pytest.raises(IntelError) as caught:
        UnitRouter.load(tmp_path / "missing.model")
    assert caught.value.problem == "missing"


def test_training_is_deterministic(router):
    examples = corpus()
    examples.append(RoutingExample("区图书馆开放时间太短", f"{CITY}东城区图书馆", time=datetime(2024, 1, 3)))
    again = routing_train(examples)
    texts = [e.text for e in corpus(2, seed=9)]
    assert again.info.weights == router.info.weights
    assert again.info.auto_threshold == router.info.auto_threshold
    assert again.route_many(texts) == router.route_many(texts)


def test_auto_threshold_needs_enough_right_suggestions():
    confidences = [0.99] * 60 + [0.6] * 40
    correct = [True] * 60 + [False] * 20 + [True] * 20
    assert auto_threshold(confidences, correct) == 0.99
    assert auto_threshold([0.99] * 10, [True] * 10) is None  # too few to tell
    assert auto_threshold([0.9] * 100, [True] * 80 + [False] * 20) is None


# --- evaluation and files ---------------------------------------------------------------------------


def test_evaluate_gives_the_contract_keys_and_both_baselines():
    examples = corpus(10)
    examples.sort(key=lambda e: e.time)
    result = routing_evaluate(examples[:60], examples[60:])
    for key in (
        "accuracy_at_1",
        "accuracy_at_3",
        "macro_f1",
        "auto_share_at_95",
        "n_train",
        "n_test",
        "baselines",
    ):
        assert key in result
    assert set(result["baselines"]) == {"most_frequent", "place_rule"}
    for baseline in result["baselines"].values():
        assert {"accuracy_at_1", "accuracy_at_3", "macro_f1", "auto_share_at_95"} <= set(baseline)
    assert result["n_test"] == len(examples) - 60
    assert result["accuracy_at_1"] > result["baselines"]["place_rule"]["accuracy_at_1"]
    assert result["accuracy_at_1"] > result["baselines"]["most_frequent"]["accuracy_at_1"]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_files_are_read_with_reply_unit_and_their_odd_rows_noted(tmp_path):
    path = _write(
        tmp_path / "letters.csv",
        ["id", "title", "content", "time", "reply_unit"],
        [
            ["1", "道路施工", "噪音扰民", "2024-01-02", "甲单位"],
            ["2", "", "", "2024-01-03", "甲单位"],
            ["3", "学校收费", "太高", "2024-01-04", ""],
            ["4", "很长", "字" * 60_000, "2024-01-05", "乙单位"],
        ],
    )
    examples, notes = read_routing_file(path)
    assert [(e.unit, e.time) for e in examples] == [
        ("甲单位", datetime(2024, 1, 2)),
        ("乙单位", datetime(2024, 1, 5)),
    ]
    assert examples[0].text == "道路施工噪音扰民"
    assert any("row 3 (id 2): empty text" in n for n in notes)
    assert any("row 4 (id 3): no unit" in n for n in notes)
    assert any("row 5 (id 4)" in n and "too long" in n for n in notes)


def test_a_file_without_a_unit_column_is_refused_by_name(tmp_path):
    path = _write(tmp_path / "no_unit.csv", ["title", "content"], [["道路施工", "噪音"]])
    with pytest.raises(IntelError) as caught:
        read_routing_file(path)
    assert "missing column unit" in str(caught.value) and "reply_unit" in str(caught.value)


def test_out_of_fold_place_counts_hold_only_the_other_folds():
    """Repeats of one case (one estate, one unit, one week) must not vouch for each other out of fold:
    the reranker learns place shares as later letters will see them."""
    from lianxin.intel.routing import _fold_places, _prepare_examples, _prepare_row, _tables

    examples = corpus()
    start = max(e.time for e in examples if e.time) + timedelta(days=1)
    unit = f"{CITY}东城区建设和管理委员会"
    examples += [
        RoutingExample(
            f"东城区金色家园小区门口道路施工噪音扰民第{k}次反映", unit, time=start + timedelta(hours=k)
        )
        for k in range(4)
    ]
    prepared = _prepare_examples(examples, Aliases())
    places = Gazetteer(places_from_unit_names(set(prepared.units)))
    rows = [_prepare_row(t, a, places) for t, a in zip(prepared.texts, prepared.areas)]
    tables = _tables(prepared, places, {}, [r.keys for r in rows])
    key = next(k for k in rows[-1].keys if "金色家园" in k)
    index = tables.index()
    units = [index[u] for u in prepared.units]
    assert tables.place_units[key] == {index[unit]: 4}
    last_block = [i for i, text in enumerate(prepared.texts) if "金色家园" in text]
    others = np.array([i for i in range(len(rows)) if i not in last_block])
    fold = _fold_places(tables, rows, units, others)
    assert key not in fold.place_units  # the case's own letters are not counted for it
    assert fold.place_units != tables.place_units and tables.place_units[key] == {index[unit]: 4}
