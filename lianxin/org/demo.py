"""Demo organisation: one city (A市, after the public data), districts, streets, communities, grids,
realistic units and the category tree shipped with the package (the 附件1 taxonomy)."""

from __future__ import annotations

from pathlib import Path

from lianxin.core.demo import DemoContext
from lianxin.org.importers import categories_import
from lianxin.org.models import Area, AreaLevel, Unit, UnitKind

CATEGORIES_FILE = Path(__file__).with_name("data") / "categories.csv"

CITY = ("A01", "A市", 28.228, 112.939)
# district code, name, lat, lng, streets: [(name, [communities])]
DISTRICTS = [
    (
        "A0101",
        "A1区",
        28.20,
        112.99,
        [
            ("东风街道", ["东风社区", "桂花坪社区", "湘湖社区"]),
            ("马王堆街道", ["马王堆社区", "东屯渡社区"]),
        ],
    ),
    (
        "A0102",
        "A2区",
        28.19,
        112.97,
        [
            ("城南路街道", ["黄兴路社区", "大古道巷社区", "白沙社区"]),
            ("坡子街街道", ["坡子街社区", "西湖社区"]),
        ],
    ),
    (
        "A0103",
        "A3区",
        28.23,
        112.87,
        [
            ("洋湖街道", ["洋湖社区", "潇楚社区"]),
            ("望月湖街道", ["望月湖社区", "白鹤社区"]),
        ],
    ),
    (
        "A0107",
        "A7县",
        28.46,
        113.25,
        [
            ("春华镇", ["金鼎村", "春华村"]),
            ("黄兴镇", ["黄兴村", "仙人市村"]),
        ],
    ),
]
DEPARTMENTS = [
    ("D01", "市住房和城乡建设局"),
    ("D02", "市人力资源和社会保障局"),
    ("D03", "市教育局"),
    ("D04", "市商务局"),
    ("D05", "市卫生健康委员会"),
    ("D06", "市生态环境局"),
    ("D07", "市交通运输局"),
    ("D08", "市城市管理和综合执法局"),
    ("D09", "市公安局"),
    ("D10", "市市场监督管理局"),
    ("D11", "市自然资源和规划局"),
    ("D12", "市水务局"),
]


def load(ctx: DemoContext) -> None:
    city = Area.objects.create(code=CITY[0], name=CITY[1], level=AreaLevel.CITY, lat=CITY[2], lng=CITY[3])
    centre = Unit.objects.create(
        code="U000",
        name="市12345政务服务便民热线中心",
        kind=UnitKind.CENTER,
        area=city,
        accepts_dispatch=False,
    )
    government = Unit.objects.create(
        code="U001", name="市人民政府办公厅", kind=UnitKind.OTHER, area=city, accepts_dispatch=True
    )
    departments = {}
    for code, name in DEPARTMENTS:
        departments[name] = Unit.objects.create(
            code=code, name=name, kind=UnitKind.DEPARTMENT, area=city, parent=government
        )
    districts, streets, communities, street_units = [], [], [], []
    for d_index, (d_code, d_name, lat, lng, street_list) in enumerate(DISTRICTS):
        district = Area.objects.create(
            code=d_code, name=d_name, level=AreaLevel.DISTRICT, parent=city, lat=lat, lng=lng
        )
        districts.append(district)
        district_unit = Unit.objects.create(
            code=f"U{d_code}",
            name=f"{d_name}人民政府",
            kind=UnitKind.DISTRICT,
            area=district,
            parent=government,
        )
        for s_index, (s_name, community_list) in enumerate(street_list, start=1):
            s_code = f"{d_code}{s_index:03d}"
            s_lat, s_lng = lat + 0.012 * s_index, lng - 0.01 * s_index
            street = Area.objects.create(
                code=s_code, name=s_name, level=AreaLevel.STREET, parent=district, lat=s_lat, lng=s_lng
            )
            streets.append(street)
            kind = UnitKind.TOWN if s_name.endswith("镇") else UnitKind.STREET
            suffix = "人民政府" if kind == UnitKind.TOWN else "办事处"
            street_units.append(
                Unit.objects.create(
                    code=f"U{s_code}",
                    name=f"{d_name}{s_name}{suffix}",
                    kind=kind,
                    area=street,
                    parent=district_unit,
                )
            )
            for c_index, c_name in enumerate(community_list, start=1):
                c_code = f"{s_code}{c_index:03d}"
                community = Area.objects.create(
                    code=c_code,
                    name=c_name,
                    level=AreaLevel.COMMUNITY,
                    parent=street,
                    lat=s_lat + 0.004 * c_index,
                    lng=s_lng + 0.005 * c_index,
                )
                communities.append(community)
                for g in (1, 2):
                    Area.objects.create(
                        code=f"{c_code}{g:02d}",
                        name=f"{c_name}第{g}网格",
                        level=AreaLevel.GRID,
                        parent=community,
                    )
        del d_index
    categories_import(CATEGORIES_FILE)
    ctx.objects.update(
        city=city,
        centre=centre,
        departments=departments,
        districts=districts,
        streets=streets,
        communities=communities,
        street_units=street_units,
    )
    ctx.log.append(f"Areas: {Area.objects.count()}, units: {Unit.objects.count()}")
