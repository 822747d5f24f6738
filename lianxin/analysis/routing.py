"""Unit routing in the web (派单建议): router versions in the database, retraining from handled demands,
and the units suggested to the operator who dispatches a demand (through the demands' intel port).

- *What it learns from.* Handled demands: dispatched and signed by their lead unit and not returned
  since — in progress, replied or closed. The lead unit of such a demand is the unit that signed it, so
  a demand returned and dispatched again (改派) teaches the second unit: the operators' correction.
  Each example is the demand's title and content, its area and its dispatch time; the most recent
  `MAX_EXAMPLES` are taken.
- *What it knows besides.* The area tree as gazetteer (districts, streets/towns, communities), each
  unit's district and street from its area, and `UnitSuccession` rows as aliases (a merged unit's
  demands count for its successor).
- *Versions.* Like the classifier's: the model file's bytes on a `RouterVersion` row, trained by a
  Huey job (`router_retrain_task`) or `lianxin route train`; a new version is activated when its
  out-of-fold accuracy is at least the active one's. The active version's id goes through the cache
  (a few seconds); each process loads the model when it changes, and a version that cannot be loaded
  is remembered for `RETRY_SECONDS`: suggestions are then empty, dispatch goes on without them.
- `suggest_units` returns the top units that can receive a dispatch, each with its score and the
  reasons in the reader's language.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from datetime import time as day_time
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.accounts.models import User
from lianxin.analysis.classifier import problem_text
from lianxin.analysis.models import ModelState, RouterVersion, UnitSuccession
from lianxin.analysis.tasks import router_retrain_task
from lianxin.core.errors import ValidationFailed
from lianxin.demands.choices import Status
from lianxin.demands.models import Demand
from lianxin.intel.errors import IntelError
from lianxin.org.models import Area, AreaLevel, Unit

if TYPE_CHECKING:  # scikit-learn loads only when a router is used, not with every process
    from lianxin.intel.routing import Place, Reason, RoutingExample, UnitAlias, UnitInfo, UnitRouter

logger = logging.getLogger("lianxin.analysis")

ACTIVE_KEY = "analysis:router:active"
ACTIVE_TTL = 5
RETRY_SECONDS = 60
MAX_EXAMPLES = 20_000
SIGNED = (Status.IN_PROGRESS, Status.REPLIED, Status.CLOSED)
# Area levels as the router's gazetteer names them (grids are below what texts name).
PLACE_LEVELS: dict[str, str] = {
    AreaLevel.DISTRICT: "district",
    AreaLevel.STREET: "town",
    AreaLevel.COMMUNITY: "community",
}

ROUTER_PROBLEMS = {
    "few_units": gettext_lazy("已办理工单中至少要有两个承办单位、每个单位不少于 2 条，才能训练派单模型"),
    "not_router": gettext_lazy("文件中不是派单模型"),
}


def router_problem_text(exc: IntelError) -> str:
    known = ROUTER_PROBLEMS.get(exc.problem)
    return str(known) if known is not None else problem_text(exc.problem, exc.message)


# --- the active router of this process ---------------------------------------------------------------


@dataclass
class _Loaded:
    version_id: int | None = None
    model: UnitRouter | None = None
    failed_at: float = 0.0


_state = _Loaded()
_lock = threading.Lock()


def active_router_id() -> int | None:
    cached = cache.get(ACTIVE_KEY)
    if cached is not None:
        return int(cached) or None
    found = RouterVersion.objects.filter(is_active=True).values_list("id", flat=True).first()
    cache.set(ACTIVE_KEY, found or 0, ACTIVE_TTL)
    return found


def router_changed() -> None:
    cache.delete(ACTIVE_KEY)


def router_forget() -> None:
    """Drop this process's copy of the router (tests; after an activation in this process)."""
    with _lock:
        _state.version_id, _state.model, _state.failed_at = None, None, 0.0


def active_router() -> UnitRouter | None:
    """The active router, loaded when the active version changed; None if none or unusable."""
    version_id = active_router_id()
    if version_id is None:
        return None
    if _state.version_id == version_id:
        if _state.model is not None:
            return _state.model
        if time.monotonic() - _state.failed_at < RETRY_SECONDS:
            return None
    with _lock:
        if _state.version_id == version_id and _state.model is not None:
            return _state.model
        row = RouterVersion.objects.filter(pk=version_id).values_list("data", flat=True).first()
        try:
            from lianxin.intel.routing import UnitRouter  # scikit-learn: only when a router is used

            model = UnitRouter.from_bytes(bytes(row or b""), name=f"#{version_id}")
        except Exception as exc:  # noqa: BLE001 - any load failure: dispatch goes on without suggestions
            logger.warning("router version %s unusable: %s", version_id, exc)
            _state.version_id, _state.model, _state.failed_at = version_id, None, time.monotonic()
            return None
        _state.version_id, _state.model, _state.failed_at = version_id, model, 0.0
        return model


# --- what the router learns from ------------------------------------------------------------------------


def _areas() -> dict[int, tuple[str, str, int | None]]:
    return {
        a.pk: (a.name, a.level, a.parent_id) for a in Area.objects.only("id", "name", "level", "parent_id")
    }


def _chain(area_id: int | None, areas: dict[int, tuple[str, str, int | None]]) -> dict[str, str]:
    """The names of an area and its ancestors by level: {"district": …, "street": …, …}."""
    out: dict[str, str] = {}
    for _step in range(10):
        if area_id is None or area_id not in areas:
            break
        name, level, parent = areas[area_id]
        out.setdefault(level, name)
        area_id = parent
    return out


def _place_name(area_id: int | None, areas: dict[int, tuple[str, str, int | None]]) -> str:
    """The most specific place of an area that the router knows (a grid is named by its community)."""
    for _step in range(10):
        if area_id is None or area_id not in areas:
            return ""
        name, level, parent = areas[area_id]
        if level in PLACE_LEVELS:
            return name
        area_id = parent
    return ""


def routing_places() -> list[Place]:
    from lianxin.intel.routing import Place

    areas = _areas()
    places = []
    for name, level, parent in areas.values():
        if level in PLACE_LEVELS:
            parent_name = areas[parent][0] if parent in areas else ""
            places.append(Place(name, PLACE_LEVELS[level], parent_name))
    return places


def routing_units() -> list[UnitInfo]:
    from lianxin.intel.routing import UnitInfo

    areas = _areas()
    units = []
    for unit_id, name, area_id in Unit.objects.values_list("id", "name", "area_id"):
        chain = _chain(area_id, areas)
        units.append(
            UnitInfo(
                unit=str(unit_id),
                name=name,
                district=chain.get(AreaLevel.DISTRICT, ""),
                town=chain.get(AreaLevel.STREET, ""),
            )
        )
    return units


def _day_start(day: Any) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, day_time.min)


def routing_aliases() -> list[UnitAlias]:
    from lianxin.intel.routing import UnitAlias

    rows = UnitSuccession.objects.values_list("old_unit_id", "new_unit_id", "since")
    return [UnitAlias(str(old), str(new), _day_start(since)) for old, new, since in rows]


def _naive(moment: datetime | None) -> datetime | None:
    """Local time without a zone: the router compares times with the aliases' days."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None) if timezone.is_aware(moment) else moment


@dataclass(frozen=True)
class RoutingData:
    examples: list[RoutingExample]
    corrections: int  # examples whose demand was returned and dispatched again (改派)


def routing_examples(*, limit: int = MAX_EXAMPLES) -> RoutingData:
    """Handled demands as examples, most recent first (see the module rules)."""
    from lianxin.intel.routing import RoutingExample

    areas = _areas()
    rows = (
        Demand.objects.filter(status__in=SIGNED, lead_unit__isnull=False, signed_at__isnull=False)
        .order_by("-signed_at", "-id")
        .values_list(
            "title", "content", "lead_unit_id", "area_id", "dispatched_at", "created_at", "return_count"
        )
    )[:limit]
    examples = []
    corrections = 0
    for title, content, unit_id, area_id, dispatched_at, created_at, returns in rows.iterator(
        chunk_size=2000
    ):
        examples.append(
            RoutingExample(
                text=f"{title}\n{content}",
                unit=str(unit_id),
                area=_place_name(area_id, areas),
                time=_naive(dispatched_at or created_at),
            )
        )
        corrections += bool(returns)
    return RoutingData(examples, corrections)


# --- versions ---------------------------------------------------------------------------------------


def _progress(version_id: int, progress: int, message: str, **fields: Any) -> None:
    RouterVersion.objects.filter(pk=version_id).update(progress=progress, message=message, **fields)


def _fail(version_id: int, message: str) -> RouterVersion:
    _progress(version_id, 100, message, state=ModelState.FAILED, finished_at=timezone.now())
    return RouterVersion.objects.get(pk=version_id)


def router_version_create(*, actor: User | None = None, name: str = "") -> RouterVersion:
    return RouterVersion.objects.create(
        name=(name or f"retrain {timezone.localtime():%Y-%m-%d %H:%M}")[:100],
        state=ModelState.QUEUED,
        message=_("等待后台任务"),
        started_by=actor,
    )


def router_retrain_start(*, actor: User | None = None) -> RouterVersion:
    """Queue a retraining from handled demands (Huey job after commit); progress is on the row."""
    with transaction.atomic():
        version = router_version_create(actor=actor)
        transaction.on_commit(lambda: router_retrain_task(version.pk))
    return version


def router_retrain_run(*, version_id: int) -> RouterVersion:
    """The retraining job: gather, train, store; activate when its out-of-fold accuracy is at least the
    active router's (or none is active). Failures are written on the row, never raised."""
    _progress(version_id, 5, _("读取已办理工单"), state=ModelState.RUNNING)
    try:
        data = routing_examples()
        _progress(version_id, 20, _("训练中：%(n)d 条已办理工单") % {"n": len(data.examples)})
        from lianxin.intel.routing import routing_train  # scikit-learn: only when training

        model = routing_train(
            data.examples, gazetteer=routing_places(), units=routing_units(), aliases=routing_aliases()
        )
        _progress(version_id, 90, _("保存模型"))
        blob = model.to_bytes()
    except IntelError as exc:
        return _fail(version_id, _("训练失败：%(error)s") % {"error": router_problem_text(exc)})
    except Exception as exc:  # the job reports any failure on its row
        logger.exception("router retraining %s failed", version_id)
        return _fail(version_id, _("训练失败：%(error)s") % {"error": f"{type(exc).__name__}: {exc}"})
    info = model.info
    message = _("训练完成：%(n)d 条工单（其中改派 %(c)d 条），%(u)d 个单位") % {
        "n": info.n_train,
        "c": data.corrections,
        "u": len(info.units),
    }
    RouterVersion.objects.filter(pk=version_id).update(
        data=blob,
        size=len(blob),
        checksum=hashlib.sha256(blob).hexdigest(),
        state=ModelState.READY,
        progress=100,
        finished_at=timezone.now(),
        message=message,
        n_train=info.n_train,
        n_units=len(info.units),
        cv=info.cv,
        info={
            "created": info.created,
            "version": info.version,
            "left_out": len(info.left_out),
            "notes": info.notes,
            "auto_threshold": info.auto_threshold,
            "corrections": data.corrections,
            "places": info.n_places,
            "aliases": info.n_aliases,
            "weights": info.weights,
            "sklearn_version": info.sklearn_version,
        },
    )
    version = RouterVersion.objects.get(pk=version_id)
    active = RouterVersion.objects.filter(is_active=True).exclude(pk=version_id).first()
    new, old = version.cv_accuracy, active.cv_accuracy if active else None
    if active is None or (new is not None and (old is None or new >= old)):
        try:
            router_version_activate(version=version)
            _progress(version_id, 100, message + _("；已自动启用"))
        except ValidationFailed as exc:
            _progress(version_id, 100, f"{message}；{exc.message}")
    else:
        _progress(version_id, 100, message + _("；交叉验证不优于当前模型，未自动启用（可手动启用）"))
    return RouterVersion.objects.get(pk=version_id)


def router_train_now(*, actor: User | None = None) -> RouterVersion:
    """Train in this process (`lianxin route train`): a version row, then the job's work."""
    version = router_version_create(actor=actor, name=f"command {timezone.localtime():%Y-%m-%d %H:%M}")
    return router_retrain_run(version_id=version.pk)


@transaction.atomic
def router_version_activate(*, version: RouterVersion, actor: User | None = None) -> RouterVersion:
    """Make `version` the one active router. Refused when it is not ready or its file does not load."""
    row = RouterVersion.objects.select_for_update().get(pk=version.pk)
    if row.state != ModelState.READY or not row.data:
        raise ValidationFailed(
            _("派单模型 #%(id)s 尚未训练完成，不能启用") % {"id": row.pk}, code="not_ready"
        )
    from lianxin.intel.routing import UnitRouter  # scikit-learn: only when a router is used

    try:
        UnitRouter.from_bytes(bytes(row.data), name=f"#{row.pk}")
    except IntelError as exc:
        raise ValidationFailed(
            _("派单模型 #%(id)s 无法加载：%(error)s") % {"id": row.pk, "error": router_problem_text(exc)},
            code="bad_model",
        ) from exc
    RouterVersion.objects.filter(is_active=True).exclude(pk=row.pk).update(is_active=False)
    row.is_active, row.activated_at = True, timezone.now()
    row.save(update_fields=["is_active", "activated_at"])
    transaction.on_commit(router_changed)
    router_changed()
    return row


# --- suggestions ------------------------------------------------------------------------------------


def _reason_text(reason: Reason, names: dict[str, str]) -> str:
    kind, detail = reason.kind, reason.detail
    if kind == "area":
        return _("工单所在区域属于该单位辖区：%(place)s") % {"place": detail}
    if kind == "town":
        return _("诉求提到该单位所在街镇：%(place)s") % {"place": detail}
    if kind == "district":
        return _("诉求提到该单位所在区县：%(place)s") % {"place": detail}
    if kind == "place":
        return _("提到“%(place)s”的已办工单多由该单位办理（%(share)d%%）") % {
            "place": detail,
            "share": round(reason.value * 100),
        }
    if kind == "text":
        return _("内容与该单位办理过的工单相近")
    if kind == "role":
        return _("诉求事项属于“%(role)s”的职责") % {"role": detail}
    if kind == "alias":
        return _("承继“%(unit)s”的工作（单位沿革）") % {"unit": names.get(detail, detail)}
    return _("该单位承办的工单较多（占 %(share).1f%%）") % {"share": reason.value * 100}


def suggest_units(
    *, text: str, area: Area | None = None, limit: int = 3, at: datetime | None = None
) -> list[dict[str, Any]]:
    """The units the active router suggests for a demand's text, best first, among those that can
    receive a dispatch: [{"unit_id", "name", "score", "reasons": [str], "confident": bool}]; [] without
    a usable router. `confident`: the score reaches the router's auto threshold (≥ 95 % precision on
    the training demands)."""
    model = active_router()
    if model is None or limit <= 0:
        return []
    place = _place_name(area.pk, _area_chain_of(area)) if area is not None else ""
    result = model.route(text, area=place, time=_naive(at or timezone.now()), limit=limit + 5)
    ids = [int(u.unit) for u in result.units if u.unit.isdigit()]
    units = {
        u.pk: u
        for u in Unit.objects.filter(pk__in=ids, is_active=True, accepts_dispatch=True).only("id", "name")
    }
    alias_ids = [
        int(r.detail) for u in result.units for r in u.reasons if r.kind == "alias" and r.detail.isdigit()
    ]
    names = {str(pk): name for pk, name in Unit.objects.filter(pk__in=alias_ids).values_list("id", "name")}
    threshold = model.info.auto_threshold
    out = []
    for k, suggestion in enumerate(result.units):
        unit = units.get(int(suggestion.unit)) if suggestion.unit.isdigit() else None
        if unit is None:
            continue
        out.append(
            {
                "unit_id": unit.pk,
                "name": unit.name,
                "score": suggestion.score,
                "reasons": [_reason_text(r, names) for r in suggestion.reasons],
                "confident": bool(k == 0 and result.confident and threshold is not None),
            }
        )
        if len(out) == limit:
            break
    return out


def _area_chain_of(area: Area) -> dict[int, tuple[str, str, int | None]]:
    """The area and its ancestors as `_place_name` reads them (one query)."""
    codes = area.path.split("/")
    rows = Area.objects.filter(code__in=codes).only("id", "name", "level", "parent_id")
    found = {a.pk: (a.name, a.level, a.parent_id) for a in rows}
    found[area.pk] = (area.name, area.level, area.parent_id)
    return found
