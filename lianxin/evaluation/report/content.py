"""The content of a personal contact-work report as plain data, so the PDF and the DOCX (and the web
preview) render exactly the same figures. Django-free: `gather.py` fills it from the database."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SECTIONS = ["基本情况", "联系群众", "服务群众", "化解矛盾纠纷", "宣传群众", "存在问题与下一步打算"]
TITLE = "领导干部个人联系群众工作报告"
# The report is an official Chinese document: built and rendered in Chinese whatever the UI language.
REPORT_LANGUAGE = "zh-hans"


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
class ReportContent:
    cadre_name: str
    username: str
    post: str
    title: str
    unit: str
    area: str
    period: str  # YYYY-MM
    period_label: str
    generated_at: str
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
    # 服务群众
    demands_total: int = 0
    demands_closed: int = 0
    demands_open: int = 0
    rates: list[RateRow] = field(default_factory=list)
    top_categories: list[tuple[str, int]] = field(default_factory=list)
    overdue: int = 0
    reopened: int = 0
    supervised: int = 0
    rate_trend: list[dict[str, Any]] = field(default_factory=list)  # period, response, on_time, satisfaction
    # 化解矛盾纠纷
    disputes_total: int = 0
    disputes_resolved: int = 0
    disputes_critical: int = 0
    disputes_examples: list[str] = field(default_factory=list)
    # 宣传群众
    articles: list[dict[str, str]] = field(default_factory=list)  # title, date, category
    articles_note: str = ""
    # 存在问题与下一步打算
    hot_issues: list[str] = field(default_factory=list)
    hot_issues_note: str = ""
    issues_text: str = ""
    plans_text: str = ""
    has_data: bool = True

    def rate(self, code: str) -> RateRow | None:
        return next((r for r in self.rates if r.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportContent:
        data = dict(data)
        data["rates"] = [RateRow(**r) for r in data.get("rates", [])]
        for key in ("household_tags", "visits_by_kind", "top_categories"):
            data[key] = [tuple(x) for x in data.get(key, [])]
        return cls(**data)

    def basic_lines(self) -> list[str]:
        lines = [
            f"姓名：{self.cadre_name}；职务：{self.post or '—'}；职级：{self.title or '—'}；单位：{self.unit or '—'}；"
            f"联系区域：{self.area or '—'}。",
            f"本期（{self.period_label}）联系点 {len(self.points)} 个，联系户 {self.households_total} 户。",
        ]
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
        return lines

    def service_lines(self) -> list[str]:
        if not self.demands_total:
            return [f"本期（{self.period_label}）联系区域内无群众诉求数据。"]
        lines = [
            f"本期联系区域内受理群众诉求 {self.demands_total} 件，已办结 {self.demands_closed} 件，"
            f"在办 {self.demands_open} 件。",
            "；".join(f"{r.label} {r.text}" for r in self.rates) + "。",
            f"超期 {self.overdue} 件，重办 {self.reopened} 件，督办 {self.supervised} 件。",
        ]
        if self.top_categories:
            lines.append(
                "诉求较多的类别：" + "，".join(f"{n}（{c} 件）" for n, c in self.top_categories) + "。"
            )
        return lines

    def dispute_lines(self) -> list[str]:
        if not self.disputes_total:
            return [f"本期（{self.period_label}）联系区域内无投诉、举报类矛盾纠纷诉求。"]
        lines = [
            f"本期联系区域内投诉、举报类诉求 {self.disputes_total} 件，已化解（解决）{self.disputes_resolved} 件，"
            f"其中特急 {self.disputes_critical} 件。"
        ]
        if self.disputes_examples:
            lines.append("主要矛盾纠纷：" + "；".join(self.disputes_examples) + "。")
        return lines

    def publicity_lines(self) -> list[str]:
        if self.articles:
            lines = [f"本期本单位发布宣传文章 {len(self.articles)} 篇："]
            lines += [
                f"{a['date']} 《{a['title']}》{('（' + a['category'] + '）') if a.get('category') else ''}"
                for a in self.articles
            ]
            return lines
        return [self.articles_note or f"本期（{self.period_label}）无发布的宣传文章。"]


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
        plans.append("下月优先走访未覆盖的联系点和联系户，做到联系点每月、联系户每季度全覆盖。")
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
