"""The content of a personal contact-work report as plain data, so the PDF and the DOCX (and the web
preview) render exactly the same figures. Django-free: `gather.py` fills it from the database.

Two kinds of text: **figures** (`Figure`: computed, never edited, each with its definition and the
records page that lists what it counts) and **narratives** (one per section, drafted from the figures
and edited by the cadre before the report is final).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SECTIONS = ["基本情况", "联系群众", "服务群众", "化解矛盾纠纷", "宣传群众", "存在问题与下一步打算"]
# The editable narrative of each section (section 六 has two: 存在问题 and 下一步打算).
SECTION_KEYS = ["basic", "contact", "service", "disputes", "publicity", "issues"]
NARRATIVE_KEYS = ["basic", "contact", "service", "disputes", "publicity", "issues", "plans"]
NARRATIVE_TITLES = {
    **dict(zip(SECTION_KEYS, SECTIONS)),
    "issues": "存在问题",
    "plans": "下一步打算",
}
TITLE = "领导干部个人联系群众工作报告"
# The report is an official Chinese document: built and rendered in Chinese whatever the UI language.
REPORT_LANGUAGE = "zh-hans"
NUMERALS = "一二三四五六七八九十"
# The narratives of the duty modules' sections (`core.contributions`) are keyed "m_<section key>".
MODULE_PREFIX = "m_"
# The four rates of the trend chart, in the order of the scorecard.
TREND_RATES = ["response_rate", "ontime_rate", "resolution_rate", "satisfaction_rate"]


def pct(value: float | None) -> str:
    """A rate as shown everywhere (scorecard, PDF, DOCX): one decimal and a percent sign, or 一."""
    return "—" if value is None else f"{value * 100:.1f}%"


@dataclass
class RateRow:
    code: str
    label: str
    value: float | None
    numerator: int = 0
    denominator: int = 0

    @property
    def text(self) -> str:
        return pct(self.value)


@dataclass
class Figure:
    """One number of the report, its definition (口径) and where its records are listed.

    `measure`/`part`/`filter` are the query of `evaluation:records` (empty `measure`: no record list,
    e.g. articles, which the report lists one by one)."""

    key: str
    section: str  # a SECTION_KEYS entry
    label: str
    text: str  # as printed: "12", "75.0%（3/4）"
    definition: str
    measure: str = ""
    part: str = "numerator"
    filter: str = ""
    denominator_part: bool = False  # a rate: its denominator links too
    url: str = ""  # a duty module's figure: the address of its records (instead of measure/part)

    def query(self, part: str | None = None) -> dict[str, str]:
        out = {"measure": self.measure, "part": part or self.part}
        if self.filter:
            out["filter"] = self.filter
        return out


@dataclass
class ReportContent:
    cadre_name: str
    username: str
    post: str
    title: str
    unit: str
    area: str
    period: str  # 2026-03, 2026-Q1 or 2026
    period_label: str
    generated_at: str
    cadre_id: int = 0
    period_kind: str = "month"
    # 基本情况
    points: list[dict[str, str]] = field(default_factory=list)  # name, kind, area
    households_total: int = 0
    household_tags: list[tuple[str, int]] = field(default_factory=list)
    # 联系群众
    visits_total: int = 0
    visits_by_kind: list[tuple[str, int]] = field(default_factory=list)
    points_covered: int = 0
    points_assigned: int = 0
    households_covered: int = 0
    households_assigned: int = 0
    uncovered_points: list[str] = field(default_factory=list)
    notable_visits: list[dict[str, str]] = field(default_factory=list)  # date, kind, place, summary
    problems_raised: int = 0
    problems_solved: int = 0
    # 服务群众: demands received in the period, split by their state now (they add up to the total)
    demands_total: int = 0
    demands_closed: int = 0
    demands_open: int = 0
    demand_states: list[dict[str, Any]] = field(default_factory=list)  # key, label, n, filter
    rates: list[RateRow] = field(default_factory=list)
    top_categories: list[tuple[str, int]] = field(default_factory=list)
    overdue: int = 0  # still open and overdue
    reopened: int = 0
    supervised: int = 0
    # period, label and one value (or None) per TREND_RATES code, oldest first
    rate_trend: list[dict[str, Any]] = field(default_factory=list)
    trend_labels: dict[str, str] = field(default_factory=dict)
    # 化解矛盾纠纷
    disputes_total: int = 0
    disputes_resolved: int = 0
    disputes_critical: int = 0
    disputes_examples: list[str] = field(default_factory=list)
    # The duty modules' sections (core.contributions.ReportSection as dicts: key, title, paragraphs,
    # figures, table_header, table_rows, replaces), in order; one that replaces "disputes" fills 化解矛盾纠纷.
    module_sections: list[dict[str, Any]] = field(default_factory=list)
    # 宣传群众
    articles: list[dict[str, str]] = field(default_factory=list)  # title, date, category, url
    articles_note: str = ""
    # 存在问题与下一步打算
    hot_issues: list[str] = field(default_factory=list)
    hot_issues_note: str = ""
    issues_text: str = ""
    plans_text: str = ""
    has_data: bool = True
    notes: list[str] = field(default_factory=list)  # what the reader must know (no area, no data…)
    figures: list[Figure] = field(default_factory=list)
    # Narratives of sections 一 to 五 as they stand (drafted, or the cadre's edits); 六 is issues/plans_text.
    narratives: dict[str, str] = field(default_factory=dict)
    # What the data drafted for every NARRATIVE_KEYS entry: the base of the diff kept at finalising.
    drafted: dict[str, str] = field(default_factory=dict)

    def rate(self, code: str) -> RateRow | None:
        return next((r for r in self.rates if r.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportContent:
        data = dict(data)
        data["rates"] = [RateRow(**r) for r in data.get("rates", [])]
        data["figures"] = [Figure(**f) for f in data.get("figures", [])]
        for key in ("household_tags", "visits_by_kind", "top_categories"):
            data[key] = [tuple(x) for x in data.get(key, [])]
        known = cls.__dataclass_fields__
        content = cls(**{k: v for k, v in data.items() if k in known})
        if not content.narratives:  # archived before sections were editable: their text as drafted
            content.narratives = content.draft_narratives()
        return content

    # --- narratives -------------------------------------------------------------------------------

    def _added_sections(self) -> list[dict[str, Any]]:
        """The module sections that stand on their own (not replacing a built-in one)."""
        return [m for m in self.module_sections if not m.get("replaces")]

    def _replacing(self, key: str) -> dict[str, Any] | None:
        return next((m for m in self.module_sections if m.get("replaces") == key), None)

    def narrative_keys(self) -> list[str]:
        """NARRATIVE_KEYS plus one per module section of this report."""
        added = [MODULE_PREFIX + m["key"] for m in self._added_sections()]
        return [*NARRATIVE_KEYS[:5], *added, "issues", "plans"]

    def narrative_title(self, key: str) -> str:
        module = next((m for m in self._added_sections() if MODULE_PREFIX + m["key"] == key), None)
        return str(module["title"]) if module is not None else NARRATIVE_TITLES[key]

    def _section_keys(self) -> list[str]:
        return [k for k in self.narrative_keys() if k not in ("issues", "plans")]

    def texts(self) -> dict[str, str]:
        """Every editable narrative as it stands, by `narrative_keys()`."""
        out = {key: self.narratives.get(key, "") for key in self._section_keys()}
        out["issues"], out["plans"] = self.issues_text, self.plans_text
        return out

    def set_texts(self, texts: dict[str, str]) -> None:
        for key in self._section_keys():
            if key in texts:
                self.narratives[key] = texts[key]
        self.issues_text = texts.get("issues", self.issues_text)
        self.plans_text = texts.get("plans", self.plans_text)

    def section_figures(self, key: str) -> list[Figure]:
        return [f for f in self.figures if f.section == key]

    def sections(self) -> list[dict[str, Any]]:
        """Heading, narrative lines and figures of each section, in order (the preview and both files)."""
        texts = self.texts()
        headings = dict(zip(SECTION_KEYS, SECTIONS))
        order = [
            *SECTION_KEYS[:5],
            *(MODULE_PREFIX + m["key"] for m in self._added_sections()),
            SECTION_KEYS[5],
        ]
        modules = {MODULE_PREFIX + m["key"]: m for m in self._added_sections()}
        out = []
        for i, key in enumerate(order):
            module = modules.get(key)
            heading = str(module["title"]) if module is not None else headings[key]
            item: dict[str, Any] = {
                "key": key,
                "number": chinese_numeral(i + 1),
                "heading": heading,
                "figures": self.section_figures(key),
            }
            if key == "issues":
                item["parts"] = [
                    ("（一）存在问题", "issues", _lines(texts["issues"])),
                    ("（二）下一步打算", "plans", _lines(texts["plans"])),
                ]
                item["lines"] = []
            else:
                item["parts"] = []
                item["lines"] = _lines(texts[key])
                item["text"] = "\n".join(item["lines"])
            if module is not None and module.get("table_rows"):
                table = [list(module.get("table_header") or []), *module["table_rows"]]
                width = max(len(row) for row in table)
                item["table"] = [[str(c) for c in row] + [""] * (width - len(row)) for row in table]
            out.append(item)
        return out

    def trend_series(self) -> dict[str, Any]:
        """The trend chart's data: one x label per period and, per rate, one value (or None) per period."""
        return {
            "periods": [row.get("label") or row["period"][2:] for row in self.rate_trend],
            "series": [
                {
                    "code": code,
                    "label": self.trend_labels.get(code, code),
                    "values": [row.get(code) for row in self.rate_trend],
                }
                for code in TREND_RATES
            ],
        }

    @property
    def has_trend(self) -> bool:
        return any(row.get(code) is not None for row in self.rate_trend for code in TREND_RATES)

    # --- the data-drafted narratives --------------------------------------------------------------

    def basic_lines(self) -> list[str]:
        lines = [
            f"姓名：{self.cadre_name}；职务：{self.post or '—'}；职级：{self.title or '—'}；单位：{self.unit or '—'}；"
            f"联系区域：{self.area or '未设置'}。",
            f"本期（{self.period_label}）联系点 {len(self.points)} 个，联系户 {self.households_total} 户。",
        ]
        if self.points:
            lines.append(
                "联系点：" + "；".join(f"{p['name']}（{p['kind']}，{p['area']}）" for p in self.points) + "。"
            )
        if self.household_tags:
            lines.append("联系户中：" + "，".join(f"{name} {n} 户" for name, n in self.household_tags) + "。")
        return lines

    def contact_lines(self) -> list[str]:
        if not self.visits_total:
            lines = [f"本期（{self.period_label}）无走访记录。"]
        else:
            kinds = "，".join(f"{k} {n} 次" for k, n in self.visits_by_kind if n)
            lines = [f"本期共开展联系群众活动 {self.visits_total} 次（{kinds}）。"]
        lines.append(
            f"联系点走访覆盖 {self.points_covered}/{self.points_assigned} 个，联系户走访覆盖 "
            f"{self.households_covered}/{self.households_assigned} 户。"
        )
        lines.append(f"走访中发现问题 {self.problems_raised} 个，已解决 {self.problems_solved} 个。")
        if self.uncovered_points:
            lines.append("本期尚未走访的联系点：" + "、".join(self.uncovered_points) + "。")
        for v in self.notable_visits:
            lines.append(f"典型走访：{v['date']} {v['kind']} {v['place']}：{v['summary']}")
        return lines

    def service_lines(self) -> list[str]:
        if not self.demands_total:
            return [f"本期（{self.period_label}）联系区域内无群众诉求数据。"]
        states = "、".join(
            f"{s['label']} {s['n']} 件"
            for s in self.demand_states
            if s["n"] or s["key"] in ("closed", "open")
        )
        lines = [
            f"本期联系区域内受理群众诉求 {self.demands_total} 件，其中{states}。",
            "；".join(f"{r.label} {r.text}" for r in self.rates) + "。",
            f"超期未办结 {self.overdue} 件，重办 {self.reopened} 件，督办 {self.supervised} 件。",
        ]
        if self.top_categories:
            lines.append(
                "诉求较多的类别：" + "，".join(f"{n}（{c} 件）" for n, c in self.top_categories) + "。"
            )
        return lines

    def dispute_lines(self) -> list[str]:
        module = self._replacing("disputes")
        if module is not None:  # the mediation module's cases, not complaint demands
            return list(module.get("paragraphs") or [])
        if not self.disputes_total:
            return [f"本期（{self.period_label}）联系区域内无投诉、举报类矛盾纠纷诉求。"]
        lines = [
            f"本期联系区域内投诉、举报类矛盾纠纷 {self.disputes_total} 件，已化解（解决）{self.disputes_resolved} 件，"
            f"其中特急 {self.disputes_critical} 件。"
        ]
        if self.disputes_examples:
            lines.append("主要矛盾纠纷：" + "；".join(self.disputes_examples) + "。")
        return lines

    def publicity_lines(self) -> list[str]:
        if self.articles:
            lines = [f"本期本人及本单位发布宣传文章 {len(self.articles)} 篇："]
            lines += [
                f"{a['date']} 《{a['title']}》{('（' + a['category'] + '）') if a.get('category') else ''}"
                for a in self.articles
            ]
            return lines
        return [self.articles_note or f"本期（{self.period_label}）无发布的宣传文章。"]

    def draft_narratives(self) -> dict[str, str]:
        """Sections 一 to 五 drafted from the figures, one paragraph a line."""
        return {
            "basic": "\n".join(self.basic_lines()),
            "contact": "\n".join(self.contact_lines()),
            "service": "\n".join(self.service_lines()),
            "disputes": "\n".join(self.dispute_lines()),
            "publicity": "\n".join(self.publicity_lines()),
            **{
                MODULE_PREFIX + m["key"]: "\n".join(m.get("paragraphs") or []) for m in self._added_sections()
            },
        }


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (section numbers; up to 99)."""
    if not 0 < n < 100:
        raise ValueError(f"section number {n} outside 1..99")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else NUMERALS[tens - 1] + "十")
    return head + (NUMERALS[ones - 1] if ones else "")


def is_narrative_key(key: str) -> bool:
    """A key a cadre's edit may carry: a built-in narrative or a module section's."""
    return key in NARRATIVE_KEYS or (key.startswith(MODULE_PREFIX) and len(key) > len(MODULE_PREFIX))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def draft_texts(content: ReportContent, weak_categories: list[tuple[str, float]]) -> tuple[str, str]:
    """Draft 存在问题 and 下一步打算 from the data; the cadre edits them before finalising."""
    issues: list[str] = []
    plans: list[str] = []
    if content.hot_issues:
        issues.append("联系区域内群众反映集中的热点问题：" + "；".join(content.hot_issues[:5]) + "。")
        plans.append("针对热点问题开展专题调研，会同相关部门制定解决方案，及时向群众反馈。")
    if weak_categories:
        issues.append(
            "办理质量较弱的诉求类别："
            + "，".join(f"{name}（满意率 {pct(rate)}）" for name, rate in weak_categories)
            + "。"
        )
        plans.append("对满意率偏低的类别逐件回访复盘，督促承办单位提高答复质量。")
    if content.uncovered_points:
        issues.append("尚有联系点本期未走访：" + "、".join(content.uncovered_points) + "。")
        plans.append("下期优先走访未覆盖的联系点和联系户，做到联系点每月、联系户每季度全覆盖。")
    if content.overdue:
        issues.append(f"仍有 {content.overdue} 件诉求超期未办结。")
        plans.append("对超期诉求逐件督办，明确责任人和办结时限。")
    if content.problems_raised > content.problems_solved:
        issues.append(f"走访发现的问题中尚有 {content.problems_raised - content.problems_solved} 个未解决。")
        plans.append("跟踪走访发现问题的办理进度，办结后回访群众。")
    if not issues:
        issues.append("本期数据未反映突出问题。" if content.has_data else "本期无数据，无法分析存在问题。")
        plans.append("继续保持联系群众常态化，按期走访联系点和联系户。")
    return "\n".join(issues), "\n".join(plans)
