"""The navigation bar, by role. Entries whose URL is not installed are skipped. Apps added beside the
first ones (participation, mediation, …) add their entries with `nav_register` in `AppConfig.ready`."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

PUBLIC = "public"  # everyone, logged in or not
STAFF = ("operator", "handler", "cadre", "supervisor", "admin")


@dataclass(frozen=True)
class NavItem:
    label: object
    url_name: str
    roles: tuple[str, ...]


NAV: list[NavItem] = [
    NavItem(_("我要反映"), "demands:submit", (PUBLIC,)),
    NavItem(_("进度查询"), "demands:track", (PUBLIC,)),
    NavItem(_("我的诉求"), "demands:mine", ("citizen",)),
    NavItem(_("受理工作台"), "demands:workbench", ("operator", "supervisor", "admin")),
    NavItem(_("本单位工单"), "demands:unit_queue", ("handler",)),
    NavItem(_("督办"), "demands:supervision", ("supervisor", "cadre", "admin")),
    NavItem(_("热点问题"), "analysis:hotspots", ("operator", "cadre", "supervisor", "admin")),
    NavItem(_("民情日记"), "contact:diary", ("cadre",)),
    NavItem(_("考核排名"), "evaluation:scorecards", ("cadre", "supervisor", "admin")),
    NavItem(_("数据看板"), "evaluation:dashboard", ("operator", "cadre", "supervisor", "admin")),
    NavItem(_("统计"), "demands:stats", ("operator", "supervisor", "admin")),
    NavItem(_("答复质量"), "analysis:reply_quality", ("operator", "supervisor", "admin")),
    NavItem(_("宣传"), "portal:home", (PUBLIC,)),
    NavItem(_("编辑部"), "portal:editor_home", ("editor", "admin")),
    NavItem(_("管理后台"), "admin:index", ("admin",)),
]


def nav_register(item: NavItem, *, before: str = "portal:home") -> None:
    """Add `item` to the bar ahead of the entry named `before` (at the end when there is none); adding
    the same URL name twice keeps one entry."""
    if any(existing.url_name == item.url_name for existing in NAV):
        return
    names = [existing.url_name for existing in NAV]
    NAV.insert(names.index(before) if before in names else len(NAV), item)


def nav_for(user) -> list[dict[str, object]]:
    items = []
    for item in NAV:
        allowed = PUBLIC in item.roles or (user.is_authenticated and user.has_role(*item.roles))
        if not allowed:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "name": item.url_name})
    return items
