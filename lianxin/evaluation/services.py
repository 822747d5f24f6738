"""Writes of evaluation: report drafts, edits, finalising (archived with SHA-256), the superior's
comments (批示) and batch runs."""

from __future__ import annotations

import difflib
import hashlib
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from typing import IO

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lianxin.accounts.models import Role, User, role_q
from lianxin.contact.access import may_view_cadre
from lianxin.contact.periods import Period as Month
from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.core.notify import Message, notify
from lianxin.evaluation.models import BatchStatus, Report, ReportBatch, ReportComment, ReportStatus
from lianxin.evaluation.report.content import ReportContent, is_narrative_key
from lianxin.evaluation.report.gather import report_content_build
from lianxin.evaluation.report.render import render
from lianxin.evaluation.selectors import Period
from lianxin.org.models import Unit

FORMATS = ("pdf", "docx")
COMMENT_MAX = 2000
OVERSEERS = (Role.SUPERVISOR, Role.ADMIN)


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValidationFailed(
            _("格式「%(format)s」无效，请使用 pdf 或 docx") % {"format": fmt}, fields={"format": [fmt]}
        )
    return fmt


def _as_period(period: Month) -> Period:
    return period if isinstance(period, Period) else Period.parse(str(period))


def cadre_get(*, username: str) -> User:
    cadre = (
        User.objects.filter(role_q(Role.CADRE), username=username)
        .select_related("unit", "area_scope")
        .first()
    )
    if cadre is None:
        raise NotFound(
            _("没有用户名为「%(username)s」的领导干部") % {"username": username},
            fields={"username": [username]},
        )
    return cadre


def _check_started(period: Period) -> None:
    """A report covers a period that has begun (the current one is a report in progress)."""
    today = timezone.localdate()
    if period.first_day > today:
        raise ValidationFailed(
            _("报告期 %(period)s 尚未开始（本期为 %(current)s）")
            % {"period": period, "current": Period.of(today, period.kind)},
            code="future_period",
            fields={"period": [_("不能晚于本期")]},
        )


def _stored_edits(report: Report | None) -> dict[str, str]:
    """The cadre's edits saved on the report row (rows from before per-section edits: 六 only)."""
    if report is None:
        return {}
    edits = {k: v for k, v in (report.narratives or {}).items() if is_narrative_key(k)}
    if report.edited and not edits:
        edits = {"issues": report.issues_text, "plans": report.plans_text}
    return edits


_UNREAD = object()


def report_content(
    *, cadre: User, period: Month, actor: User | None = None, report: Report | None | object = _UNREAD
) -> ReportContent:
    """The report's content: frozen for a final report; fresh data plus the cadre's edits for a draft.

    `report` is the cadre's row for the period when the caller has read it already (None: there is none)."""
    if actor is not None and not may_view_cadre(actor, cadre):
        raise NotFound(_("报告不存在"))
    period = _as_period(period)
    _check_started(period)
    if report is _UNREAD:
        report = Report.objects.filter(cadre=cadre, period=str(period)).first()
    assert report is None or isinstance(report, Report)
    if report is not None and report.is_final and report.content:
        return ReportContent.from_dict(report.content)
    content = report_content_build(cadre=cadre, period=period)
    content.set_texts(_stored_edits(report))
    return content


def report_render(*, cadre: User, period: Month, fmt: str, actor: User | None = None) -> bytes:
    """The report file. A final report returns its archived bytes unchanged."""
    _check_format(fmt)
    if actor is not None and not may_view_cadre(actor, cadre):
        raise NotFound(_("报告不存在"))
    period = _as_period(period)
    report = Report.objects.filter(cadre=cadre, period=str(period)).first()
    if report is not None and report.is_final:
        field = report.pdf if fmt == "pdf" else report.docx
        try:
            with field.open("rb") as fh:
                return fh.read()
        except (FileNotFoundError, ValueError) as exc:  # ValueError: no file recorded on the field
            raise NotFound(_("报告不存在")) from exc
    return render(report_content(cadre=cadre, period=period), fmt)


def _refuse_final(report: Report) -> None:
    if report.is_final:
        when = timezone.localtime(report.finalised_at) if report.finalised_at else None
        raise Conflict(
            _("报告已于 %(time)s 定稿归档，不能再修改或再次定稿")
            % {"time": f"{when:%Y-%m-%d %H:%M}" if when else "—"},
            code="report_final",
        )


def report_draft_save(
    *,
    cadre: User,
    period: Month,
    actor: User,
    issues_text: str | None = None,
    plans_text: str | None = None,
    narratives: dict[str, str] | None = None,
) -> Report:
    """Save the cadre's edits of the narratives (any section; 六 is `issues_text`/`plans_text`).

    Only the cadre edits their own draft (PermissionDenied); a final report is not edited (Conflict).
    A section whose text is the data-drafted one is not kept as an edit: it goes on following the data.
    """
    if actor.pk != cadre.pk:
        raise PermissionDenied(_("报告只能由领导干部本人编辑"))
    period = _as_period(period)
    _check_started(period)
    posted = {k: v for k, v in (narratives or {}).items() if is_narrative_key(k) and v is not None}
    if issues_text is not None:
        posted["issues"] = issues_text
    if plans_text is not None:
        posted["plans"] = plans_text
    posted = {k: _clean(v) for k, v in posted.items()}
    drafted = report_content_build(cadre=cadre, period=period).drafted
    with transaction.atomic():
        report, _created = Report.objects.select_for_update().get_or_create(cadre=cadre, period=str(period))
        _refuse_final(report)
        edits = _stored_edits(report)
        for key, text in posted.items():
            if text == _clean(drafted.get(key, "")):
                edits.pop(key, None)
            else:
                edits[key] = text
        report.narratives = edits
        report.issues_text = edits.get("issues", "")
        report.plans_text = edits.get("plans", "")
        report.edited = bool(edits)
        report.save()
    return report


def _clean(text: str) -> str:
    """A narrative as stored: lines stripped, blank lines dropped, Windows line ends unified."""
    return "\n".join(line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip())


def report_changes(content: ReportContent) -> dict[str, str]:
    """Per section, a unified diff from the data-drafted text to the text as it stands (changed ones only)."""
    out = {}
    texts = content.texts()
    for key in content.narrative_keys():
        before = _clean(content.drafted.get(key, "")).splitlines()
        after = _clean(texts.get(key, "")).splitlines()
        if before != after:
            title = content.narrative_title(key)
            out[key] = "\n".join(
                difflib.unified_diff(before, after, f"{title}（数据起草）", f"{title}（定稿）", lineterm="")
            )
    return out


def content_digest(data: dict) -> str:
    """SHA-256 of archived content JSON, canonical (sorted keys, UTF-8), so anyone can recompute it."""
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def report_finalise(*, cadre: User, period: Month, actor: User) -> Report:
    """Freeze the report: content, PDF and DOCX are archived with their SHA-256 and never regenerated;
    what the cadre changed from the data-drafted text is kept as a diff per section.

    Raises PermissionDenied (not the cadre), ValidationFailed (a period not begun) and Conflict (final).
    """
    if actor.pk != cadre.pk:
        raise PermissionDenied(_("报告只能由领导干部本人定稿"))
    period = _as_period(period)
    existing = Report.objects.filter(cadre=cadre, period=str(period)).first()
    if existing is not None:
        _refuse_final(existing)  # before rendering two files for nothing
    content = report_content(cadre=cadre, period=period)  # refuses a period that has not begun
    files = {fmt: render(content, fmt) for fmt in FORMATS}
    with transaction.atomic():
        report, _created = Report.objects.select_for_update().get_or_create(cadre=cadre, period=str(period))
        _refuse_final(report)
        report.issues_text, report.plans_text = content.issues_text, content.plans_text
        report.content = content.to_dict()
        report.content_sha256 = content_digest(report.content)
        report.changes = report_changes(content)
        stem = f"{cadre.username}-{period}"
        report.pdf.save(f"{stem}.pdf", ContentFile(files["pdf"]), save=False)
        report.docx.save(f"{stem}.docx", ContentFile(files["docx"]), save=False)
        report.pdf_sha256 = hashlib.sha256(files["pdf"]).hexdigest()
        report.docx_sha256 = hashlib.sha256(files["docx"]).hexdigest()
        report.status = ReportStatus.FINAL
        report.finalised_at = timezone.now()
        report.finalised_by = actor
        report.save()
    return report


def report_save(
    *,
    cadre: User,
    period: Month,
    actor: User,
    issues_text: str | None,
    plans_text: str | None = None,
    narratives: dict[str, str] | None = None,
    finalise: bool = False,
) -> Report:
    """The report page's form: save the cadre's edits, and with `finalise` freeze the report.

    Without any text (finalising without the edit form) the edits saved before are finalised as they
    are. Each step is its own transaction (finalising renders both files before it locks the row):
    edits saved before a refused finalise stay saved. Raises what `report_draft_save` and
    `report_finalise` raise.
    """
    has_text = issues_text is not None or plans_text is not None or bool(narratives)
    if has_text or not finalise:
        report = report_draft_save(
            cadre=cadre,
            period=period,
            actor=actor,
            issues_text=issues_text,
            plans_text=plans_text,
            narratives=narratives,
        )
        if not finalise:
            return report
    return report_finalise(cadre=cadre, period=period, actor=actor)


def report_comment_add(*, report: Report, actor: User, text: str) -> ReportComment:
    """A superior's comment (批示) on a final report; the cadre is notified (inbox and senders).

    Only supervisors and admins comment (PermissionDenied); a draft is not commented on (Conflict);
    an empty or overlong text is refused (ValidationFailed)."""
    if not actor.has_role(*OVERSEERS):
        raise PermissionDenied(_("只有督查或管理员可以批示"))
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("批示内容不能为空"), fields={"text": [_("必填")]})
    if len(text) > COMMENT_MAX:
        raise ValidationFailed(_("批示不能超过 %(n)s 字") % {"n": COMMENT_MAX}, fields={"text": [_("过长")]})
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("cadre").get(pk=report.pk)
        if not report.is_final:
            raise Conflict(_("报告尚未定稿，不能批示"), code="report_not_final")
        comment = ReportComment.objects.create(report=report, author=actor, text=text)
        period = Period.parse(report.period)
        notify(
            [report.cadre],
            title=Message(
                gettext_noop("%(author)s 对您的%(period)s工作报告作了批示"),
                {"author": str(actor), "period": period.label},
            ),
            body=text,
            link=reverse("evaluation:report", args=[report.cadre.username, report.period]),
            kind="report_comment",
        )
    return comment


# --- batches ------------------------------------------------------------------------------------------


def unit_cadres(unit: Unit | None) -> list[User]:
    """Active cadres of a unit and of every unit below it; every active cadre for None."""
    qs = User.objects.filter(role_q(Role.CADRE), is_active=True)
    if unit is not None:
        ids = {unit.pk}
        frontier = [unit.pk]
        while frontier:
            frontier = list(
                Unit.objects.filter(parent_id__in=frontier).exclude(pk__in=ids).values_list("pk", flat=True)
            )
            ids.update(frontier)
        qs = qs.filter(unit_id__in=ids)
    return list(qs.select_related("unit", "area_scope").order_by("unit__code", "pk"))


def reports_zip_write(
    *,
    cadres: Iterable[User],
    period: Month,
    fmt: str,
    out: IO[bytes],
    progress: Callable[[User, bool], None] | None = None,
) -> list[str]:
    """Write each cadre's report into the zip `out`, one file at a time (memory stays that of one
    report); `progress(cadre, ok)` after each. One cadre's failure does not stop the others: the
    errors are returned, one line each."""
    _check_format(fmt)
    period = _as_period(period)
    errors: list[str] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for cadre in cadres:
            ok = True
            try:
                data = report_render(cadre=cadre, period=period, fmt=fmt)
                archive.writestr(f"{cadre.username}-{cadre}-{period}.{fmt}", data)
            except Exception as exc:  # noqa: BLE001 - one cadre's failure must not stop the batch
                ok = False
                errors.append(f"{cadre.username}: {type(exc).__name__}: {exc}")
            if progress is not None:
                progress(cadre, ok)
    return errors


def report_batch_start(*, unit: Unit | None, period: Month, fmt: str, actor: User) -> ReportBatch:
    """Queue the reports of every cadre of `unit` (None: every cadre) for `period` in the background."""
    _check_format(fmt)
    if not actor.has_role(*OVERSEERS):
        raise PermissionDenied(_("只有督查可以批量生成报告"))
    period = _as_period(period)
    _check_started(period)
    with transaction.atomic():
        batch = ReportBatch.objects.create(
            unit=unit, period=str(period), fmt=fmt, requested_by=actor, total=len(unit_cadres(unit))
        )
        from lianxin.evaluation.tasks import report_batch_task  # tasks imports this module

        report_batch_task(batch.pk)  # an outbox row in this transaction: run after commit, at least once
    return batch


def report_batch_run(*, batch_id: int) -> ReportBatch:
    """Generate each cadre's report, counting progress on the batch row as it goes (the page polls
    it); the zip is written to a temporary file and stored from there."""
    batch = ReportBatch.objects.select_related("unit").get(pk=batch_id)
    if batch.status in (BatchStatus.DONE, BatchStatus.FAILED):
        return batch
    period = Period.parse(batch.period)
    cadres = unit_cadres(batch.unit)
    ReportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, total=len(cadres), done=0, failed=0, started_at=timezone.now()
    )
    counts = {"done": 0, "failed": 0}

    def progress(_cadre: User, ok: bool) -> None:
        counts["done" if ok else "failed"] += 1
        ReportBatch.objects.filter(pk=batch.pk).update(**counts)

    with tempfile.TemporaryFile() as tmp:
        errors = reports_zip_write(cadres=cadres, period=period, fmt=batch.fmt, out=tmp, progress=progress)
        tmp.seek(0)
        batch.refresh_from_db()
        batch.errors = "\n".join(errors)
        code = batch.unit.code if batch.unit is not None else "all"
        batch.archive.save(f"{code}-{period}-{batch.pk}.zip", File(tmp), save=False)
    batch.status = BatchStatus.DONE if not counts["failed"] or counts["done"] else BatchStatus.FAILED
    batch.finished_at = timezone.now()
    batch.save()
    return batch
