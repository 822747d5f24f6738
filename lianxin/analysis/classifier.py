"""Classifier versions in the database, and the per-process copy of the active one.

The active version's id is looked up through the shared cache (a few seconds' TTL), so each request
costs one cache read; the model is loaded from the row's bytes only when that id changes. A version
that cannot be loaded is remembered per process (retried after `RETRY_SECONDS`) and reported by
`classifier_status`: intake then goes on without suggestions.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.accounts.models import User
from lianxin.analysis.models import ClassifierVersion, ModelSource, ModelState
from lianxin.analysis.tasks import classifier_retrain_task
from lianxin.core.errors import ValidationFailed
from lianxin.demands.choices import Status
from lianxin.demands.models import Demand
from lianxin.intel.errors import IntelError
from lianxin.org.models import Category

if TYPE_CHECKING:  # scikit-learn loads only when a model is used, not with every process
    from lianxin.intel.classifier import DemandClassifier

logger = logging.getLogger("lianxin.analysis")

ACTIVE_KEY = "analysis:classifier:active"
ACTIVE_TTL = 5
RETRY_SECONDS = 60
MAX_MODEL_BYTES = 50 * 1024 * 1024
NO_MODEL = "no_model"


@dataclass
class _Loaded:
    version_id: int | None = None
    model: DemandClassifier | None = None
    error: str = ""  # intel's English message (for logs), or the exception's
    problem: str = ""  # IntelError.problem, said in the reader's language when shown (PROBLEMS)
    failed_at: float = 0.0

    def set(
        self,
        version_id: int | None = None,
        model: DemandClassifier | None = None,
        error: str = "",
        problem: str = "",
        failed_at: float = 0.0,
    ) -> None:
        self.version_id, self.model, self.error, self.problem, self.failed_at = (
            version_id,
            model,
            error,
            problem,
            failed_at,
        )


_state = _Loaded()
_lock = threading.Lock()

# The problems of intel.errors.IntelError in the reader's words (intel's own messages are English).
PROBLEMS = {
    "empty": gettext_lazy("模型文件是空的"),
    "missing": gettext_lazy("模型文件不存在"),
    "unreadable": gettext_lazy("模型文件无法读取"),
    "foreign": gettext_lazy("这不是连心的分类模型文件"),
    "truncated": gettext_lazy("模型文件不完整（可能上传或复制时被截断）"),
    "metadata": gettext_lazy("模型文件的说明信息已损坏"),
    "not_classifier": gettext_lazy("文件中不是诉求分类模型"),
    "newer": gettext_lazy("模型文件的格式比本系统新，请先升级连心"),
    "checksum": gettext_lazy("校验和不符，模型文件已损坏"),
    "unpickle": gettext_lazy("模型无法载入（可能由另一版本的 scikit-learn 训练），请重新训练"),
    "few_categories": gettext_lazy("已办结工单中至少要有两个分类、每类不少于 3 条，才能训练"),
}


def problem_text(problem: str, message: str) -> str:
    """An intel problem as people of the web read it: in their language when known, else intel's message."""
    known = PROBLEMS.get(problem)
    return str(known) if known is not None else message


def intel_error_text(exc: IntelError) -> str:
    return problem_text(exc.problem, exc.message)


def active_version_id() -> int | None:
    """The active version's id: the shared cache first (short TTL), then one indexed query."""
    cached = cache.get(ACTIVE_KEY)
    if cached is not None:
        return int(cached) or None
    found = ClassifierVersion.objects.filter(is_active=True).values_list("id", flat=True).first()
    cache.set(ACTIVE_KEY, found or 0, ACTIVE_TTL)
    return found


def active_changed() -> None:
    cache.delete(ACTIVE_KEY)


def active_classifier() -> DemandClassifier | None:
    """The active model of this process, loaded when the active version changed; None if none/broken."""
    version_id = active_version_id()
    if version_id is None:
        return None
    state = _state
    if state.version_id == version_id:
        if state.model is not None:
            return state.model
        if time.monotonic() - state.failed_at < RETRY_SECONDS:
            return None
    with _lock:
        if _state.version_id == version_id and _state.model is not None:
            return _state.model
        row = ClassifierVersion.objects.filter(pk=version_id).values_list("data", flat=True).first()
        try:
            from lianxin.intel.classifier import DemandClassifier  # scikit-learn: only when a model is used

            model = DemandClassifier.from_bytes(bytes(row or b""), name=f"#{version_id}")
        except IntelError as exc:
            _fail(version_id, exc.message, exc.problem)
            return None
        except Exception as exc:  # noqa: BLE001 - any load failure: intake goes on without the model
            _fail(version_id, f"#{version_id}: {type(exc).__name__}: {exc}")
            return None
        _state.set(version_id, model)
        return model


def _fail(version_id: int, message: str, problem: str = "") -> None:
    logger.warning("classifier version %s unusable: %s", version_id, message)
    _state.set(version_id, None, message, problem, time.monotonic())
    cache.set(f"analysis:classifier:error:{version_id}", [problem, message], 3600)


def classifier_forget() -> None:
    """Drop this process's copy (tests; after an activation in this process)."""
    with _lock:
        _state.set()


@dataclass(frozen=True)
class ClassifierStatus:
    ok: bool
    code: str
    message: str
    version_id: int | None = None


def classifier_status() -> ClassifierStatus:
    """Whether intake gets category suggestions, and if not why (for admins)."""
    version_id = active_version_id()
    if version_id is None:
        return ClassifierStatus(
            False,
            NO_MODEL,
            "尚无启用的分类模型：受理时不提供智能分类推荐。请在管理后台上传模型或用已办结工单训练。",
        )
    model = active_classifier()
    if model is None:
        problem, message = (
            (_state.problem, _state.error)
            if _state.error
            else cache.get(f"analysis:classifier:error:{version_id}") or ("", "unknown error")
        )
        error = f"#{version_id}: {problem_text(problem, message)}" if problem else message
        return ClassifierStatus(
            False,
            "bad_model",
            f"启用的分类模型 #{version_id} 无法加载（{error}）：受理时不提供智能分类推荐。",
            version_id,
        )
    cv = (model.info.cv or {}).get("macro_f1")
    score = f"，交叉验证 macro-F1 {cv}" if cv is not None else ""
    return ClassifierStatus(
        True,
        "ok",
        f"分类模型 #{version_id} 已启用：{model.info.n_train} 条训练样本，{len(model.labels)} 个分类{score}。",
        version_id,
    )


# --- writes ---------------------------------------------------------------------------------------------


def _meta_from(model: DemandClassifier) -> dict[str, Any]:
    info = model.info
    return {
        "n_train": info.n_train,
        "labels": list(info.labels),
        "cv": info.cv,
        "info": {
            "created": info.created,
            "version": info.version,
            "levels": {k: len(v) for k, v in info.levels.items()},
            "left_out": info.left_out,
            "sklearn_version": info.sklearn_version,
            "python_version": info.python_version,
        },
    }


@transaction.atomic
def classifier_version_upload(*, data: bytes, name: str = "", actor: User | None = None) -> ClassifierVersion:
    """Store a model file trained by `lianxin classify train`. Refused (ValidationFailed naming why)
    when it is not a Lianxin classifier, is damaged or too large; the first model becomes active."""
    if len(data) > MAX_MODEL_BYTES:
        raise ValidationFailed(
            _("模型文件超过 %(n)d MB") % {"n": MAX_MODEL_BYTES // 1024 // 1024},
            fields={"file": [_("文件过大")]},
            code="bad_model",
        )
    from lianxin.intel.classifier import DemandClassifier  # scikit-learn: only when a model is used

    try:
        model = DemandClassifier.from_bytes(data, name=name or "model")
    except IntelError as exc:
        raise ValidationFailed(
            _("模型文件不可用：%(error)s") % {"error": f"{name or 'model'}：{intel_error_text(exc)}"},
            fields={"file": [intel_error_text(exc)]},
            code="bad_model",
        ) from exc
    version = ClassifierVersion.objects.create(
        name=(name or "")[:100],
        source=ModelSource.UPLOAD,
        state=ModelState.READY,
        progress=100,
        data=data,
        size=len(data),
        checksum=hashlib.sha256(data).hexdigest(),
        started_by=actor,
        finished_at=timezone.now(),
        **_meta_from(model),
    )
    if not ClassifierVersion.objects.filter(is_active=True).exists():
        classifier_version_activate(version=version, actor=actor)
    return version


@transaction.atomic
def classifier_version_activate(
    *, version: ClassifierVersion, actor: User | None = None
) -> ClassifierVersion:
    """Make `version` the one active model. Refused when it is not ready or its file does not load."""
    row = ClassifierVersion.objects.select_for_update().get(pk=version.pk)
    if row.state != ModelState.READY or not row.data:
        raise ValidationFailed(_("模型 #%(id)s 尚未训练完成，不能启用") % {"id": row.pk}, code="not_ready")
    from lianxin.intel.classifier import DemandClassifier  # scikit-learn: only when a model is used

    try:
        DemandClassifier.from_bytes(bytes(row.data), name=f"#{row.pk}")
    except IntelError as exc:
        raise ValidationFailed(
            _("模型 #%(id)s 无法加载：%(error)s") % {"id": row.pk, "error": intel_error_text(exc)},
            code="bad_model",
        ) from exc
    ClassifierVersion.objects.filter(is_active=True).exclude(pk=row.pk).update(is_active=False)
    row.is_active, row.activated_at = True, timezone.now()
    row.save(update_fields=["is_active", "activated_at"])
    transaction.on_commit(active_changed)
    active_changed()
    return row


@transaction.atomic
def classifier_version_rollback(*, actor: User | None = None) -> ClassifierVersion:
    """Re-activate the version that was active before the current one."""
    current = ClassifierVersion.objects.filter(is_active=True).first()
    earlier = ClassifierVersion.objects.filter(state=ModelState.READY, activated_at__isnull=False)
    if current is not None:
        earlier = earlier.exclude(pk=current.pk)
        if current.activated_at:
            earlier = earlier.filter(activated_at__lt=current.activated_at)
    previous = earlier.order_by("-activated_at").first()
    if previous is None:
        raise ValidationFailed(_("没有可回退的历史模型版本"), code="no_previous")
    return classifier_version_activate(version=previous, actor=actor)


def retrain_start(*, actor: User | None = None) -> ClassifierVersion:
    """Queue a retraining from handled demands (Huey job after commit); progress is on the row."""
    with transaction.atomic():
        version = ClassifierVersion.objects.create(
            name=f"retrain {timezone.localtime():%Y-%m-%d %H:%M}",
            source=ModelSource.RETRAIN,
            state=ModelState.QUEUED,
            message="等待后台任务",
            started_by=actor,
        )
        transaction.on_commit(lambda: classifier_retrain_task(version.pk))
    return version


def training_examples(*, limit: int = 50_000) -> tuple[list[str], list[str], list[str]]:
    """Texts with first- and second-level labels of handled demands: closed (办结) with a category,
    the category as operators left it — so their corrections are what the next model learns."""
    names = {
        c.pk: (c.parent_id, c.name, c.level)
        for c in Category.objects.only("id", "parent_id", "name", "level")
    }

    def levels(category_id: int) -> tuple[str, str]:
        chain: list[str] = []
        node = names.get(category_id)
        while node is not None:
            chain.append(node[1])
            node = names.get(node[0]) if node[0] else None
        chain.reverse()
        return chain[0], chain[1] if len(chain) > 1 else ""

    rows = (
        Demand.objects.filter(status=Status.CLOSED, category__isnull=False)
        .order_by("-closed_at")
        .values_list("title", "content", "category_id")[:limit]
    )
    texts, first, second = [], [], []
    for title, content, category_id in rows.iterator(chunk_size=2000):
        top, sub = levels(category_id)
        texts.append(f"{title}\n{content}")
        first.append(top)
        second.append(sub)
    return texts, first, second


def _progress(version_id: int, progress: int, message: str, **fields: Any) -> None:
    ClassifierVersion.objects.filter(pk=version_id).update(progress=progress, message=message, **fields)


def retrain_run(*, version_id: int, cv_folds: int = 3) -> ClassifierVersion:
    """The retraining job: gather, train (with cross-validation), store; activate when it is at least
    as good as the active model (or none is active). Failures are written on the row, never raised."""
    _progress(version_id, 5, "读取已办结工单", state=ModelState.RUNNING)
    try:
        texts, labels, deeper = training_examples()
        _progress(version_id, 20, f"训练中：{len(texts)} 条已办结工单")
        folds = cv_folds if len(texts) >= 10 * max(cv_folds, 2) else 0
        from lianxin.intel.classifier import classifier_train  # scikit-learn: only when training

        model = classifier_train(texts, labels, deeper={"label2": deeper}, cv_folds=folds)
        _progress(version_id, 90, "保存模型")
        data = model.to_bytes()
    except IntelError as exc:
        _progress(
            version_id,
            100,
            f"训练失败：{intel_error_text(exc)}",
            state=ModelState.FAILED,
            finished_at=timezone.now(),
        )
        return ClassifierVersion.objects.get(pk=version_id)
    except Exception as exc:  # the job reports any failure on its row
        logger.exception("retraining %s failed", version_id)
        _progress(
            version_id,
            100,
            f"训练失败：{type(exc).__name__}: {exc}",
            state=ModelState.FAILED,
            finished_at=timezone.now(),
        )
        return ClassifierVersion.objects.get(pk=version_id)
    meta = _meta_from(model)
    ClassifierVersion.objects.filter(pk=version_id).update(
        data=data,
        size=len(data),
        checksum=hashlib.sha256(data).hexdigest(),
        state=ModelState.READY,
        progress=100,
        finished_at=timezone.now(),
        message=f"训练完成：{meta['n_train']} 条样本，{len(meta['labels'])} 个分类",
        **meta,
    )
    version = ClassifierVersion.objects.get(pk=version_id)
    active = ClassifierVersion.objects.filter(is_active=True).first()
    new_f1 = version.cv_macro_f1
    old_f1 = active.cv_macro_f1 if active else None
    if active is None or (new_f1 is not None and (old_f1 is None or new_f1 >= old_f1)):
        try:
            version = classifier_version_activate(version=version)
            _progress(version_id, 100, version.message + "；已自动启用")
        except ValidationFailed as exc:
            _progress(version_id, 100, f"{version.message}；未能启用：{exc.message}")
    else:
        _progress(version_id, 100, f"{version.message}；交叉验证不优于当前模型，未自动启用（可手动启用）")
    return ClassifierVersion.objects.get(pk=version_id)


def suggest(text: str, *, top: int = 3) -> list[dict[str, Any]]:
    """Top categories for a text, mapped to first-level `org.Category` rows (id None when unmapped)."""
    model = active_classifier()
    if model is None:
        return []
    prediction = model.predict_one(text, top=top)
    return [{**row, "id": row_id} for row, row_id in _mapped(prediction.top)]


def _mapped(suggestions: Sequence[Any]) -> list[tuple[dict[str, Any], int | None]]:
    names = [s.label for s in suggestions]
    ids = dict(Category.objects.filter(level=1, is_active=True, name__in=names).values_list("name", "id"))
    return [({"category": s.label, "score": float(s.probability)}, ids.get(s.label)) for s in suggestions]
