"""Demo accounts of contract.md (admin, operator, handler, cadre, supervisor, editor) and a few more."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from lianxin.accounts.models import Role, User
from lianxin.core.demo import DemoContext


def _user(username: str, roles: str, display_name: str, **extra: Any) -> User:
    user = User(username=username, roles=roles, display_name=display_name, **extra)
    user.set_password(settings.LIANXIN_DEMO_PASSWORD)
    user.save()
    return user


def load(ctx: DemoContext) -> None:
    o = ctx.objects
    housing = o["departments"]["市住房和城乡建设局"]
    street_unit = o["street_units"][0]  # A1区东风街道办事处
    users = {
        "admin": _user("admin", Role.ADMIN, "系统管理员", is_staff=True, is_superuser=True, unit=o["centre"]),
        "operator": _user("operator", Role.OPERATOR, "王受理", unit=o["centre"], phone="13800000001"),
        "handler": _user("handler", Role.HANDLER, "李承办", unit=housing, phone="13800000002"),
        "cadre": _user(
            "cadre",
            Role.CADRE,
            "张建国",
            unit=street_unit,
            area_scope=street_unit.area,
            post="街道党工委书记",
            title="正处级",
            phone="13800000003",
        ),
        "supervisor": _user("supervisor", Role.SUPERVISOR, "赵督查", unit=o["centre"]),
        "editor": _user("editor", Role.EDITOR, "陈编辑", unit=o["centre"]),
        "editor2": _user("editor2", Role.EDITOR, "周审核", unit=o["centre"]),
        "handler2": _user("handler2", Role.HANDLER, "刘街道", unit=street_unit),
        "citizen": _user("citizen", Role.CITIZEN, "市民小刘", phone="13912345678"),
    }
    # One handler per receiving unit so every dispatched demand has someone to sign it.
    for unit in [*o["departments"].values(), *o["street_units"]]:
        if unit.pk in (housing.pk, street_unit.pk):
            continue
        users[f"h_{unit.code.lower()}"] = _user(
            f"h_{unit.code.lower()}", Role.HANDLER, f"{unit.name}承办人", unit=unit
        )
    cadres = [users["cadre"]]
    for i, unit in enumerate(o["street_units"][1:6], start=2):
        cadres.append(
            _user(
                f"cadre{i}",
                Role.CADRE,
                f"干部{i}号",
                unit=unit,
                area_scope=unit.area,
                post="街道办事处主任",
                title="副处级",
            )
        )
    o["users"] = users
    o["cadres"] = cadres
    ctx.log.append(f"Users: {User.objects.count()} (password from LIANXIN_DEMO_PASSWORD)")
