"""Writes of evaluation: report drafts, edits, finalising (archived with SHA-256) and batch runs."""

from __future__ import annotations

import hashlib
import io
import zipfile

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.accounts.models import User, role_q
from lianxin.contact.access import may_view_cadre
from lianxin.contact.periods import Period
from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.evaluation.models import BatchStatus, Report, ReportBatch, ReportStatus
from lianxin.evaluation.report.content import ReportContent
from lianxin.evaluation.report.gather import report_content_build
from lianxin.evaluation.report.render import render
from lianxin.org.models import Unit

FORMATS = ("pdf", "docx")


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValidationFailed(
            _("格式「%(format)s」无效，请使用 pdf 或 docx") % {"format": fmt}, fields={"format": [fmt]}
        )
    return fmt


def cadre_get(*, username: str) -> User:
    cadre = (
        User.objects.filter(role_q("cadre"), username=username).select_related("unit", "area_scope").first()
    )
    if cadre is None:
        raise NotFound(
            _("没有用户名为「%(username)s」的领导干部") % {"username": username},
            fields={"username": [username]},
        )
    return cadre


def _check_started(period: Period) -> None:
    """A report covers a month that has begun (the current one is a report in progress)."""
    today = timezone.localdate()
    if period.first_day > today:
        raise ValidationFailed(
            _("报告期 %(period)s 尚未开始（本月为 %(current)s）")
            % {"period": period, "current": Period.of(today)},
            code="future_period",
            fields={"period": [_("不能晚于本月")]},
        )


def report_content(*, cadre: User, period: Period, actor: User | None = None) -> ReportContent:
    """The report's content: frozen for a final report; fresh data plus the cadre's edits for a draft."""
    if actor is not None and not may_view_cadre(actor, cadre):
        raise NotFound(_("报告不存在"))
    _check_started(period)
    report = Report.objects.filter(cadre=cadre, period=str(period)).first()
    if report is not None and report.is_final and report.content:
        return ReportContent.from_dict(report.content)
    content = report_content_build(cadre=cadre, period=period)
    if report is not None and report.edited:
        content.issues_text, content.plans_text = report.issues_text, report.plans_text
    return content


def report_render(*, cadre: User, period: Period, fmt: str, actor: User | None = None) -> bytes:
    """The report file. A final report returns its archived bytes unchanged."""
    _check_format(fmt)
    if actor is not None and not may_view_cadre(actor, cadre):
        raise NotFound(_("报告不存在"))
    report = Report.objects.filter(cadre=cadre, period=str(period)).first()
    if report is not None and report.is_final:
        field = report.pdf if fmt == "pdf" else report.docx
        try:
            with field.open("rb") as fh:
                return fh.read()
        except (FileNotFoundError, ValueError) as exc:  # ValueError: no file recorded on the field
            raise NotFound(_("报告不存在")) from exc
    return render(report_content(cadre=cadre, period=period), fmt)


def report_draft_save(
    *, cadre: User, period: Period, actor: User, issues_text: str, plans_text: str
) -> Report:
    """Save the cadre's edits of 存在问题与下一步打算; only the cadre edits their own draft."""
    if actor.pk != cadre.pk:
        raise PermissionDenied(_("报告只能由领导干部本人编辑"))
    with transaction.atomic():
        report, _created = Report.objects.select_for_update().get_or_create(cadre=cadre, period=str(period))
        if report.is_final:
            raise Conflict(_("报告已定稿，不能再编辑"))
        report.issues_text = issues_text.strip()
        report.plans_text = plans_text.strip()
        report.edited = True
        report.save()
    return report


def report_finalise(*, cadre: User, period: Period, actor: User) -> Report:
    """Freeze the report: content, PDF and DOCX are archived with their SHA-256 and never regenerated."""
    if actor.pk != cadre.pk:
        raise PermissionDenied(_("报告只能由领导干部本人定稿"))
    content = report_content(cadre=cadre, period=period)  # refuses a month that has not begun
    files = {fmt: render(content, fmt) for fmt in FORMATS}
    with transaction.atomic():
        report, _created = Report.objects.select_for_update().get_or_create(cadre=cadre, period=str(period))
        if report.is_final:
            raise Conflict(_("报告已定稿"))
        report.issues_text, report.plans_text = content.issues_text, content.plans_text
        report.content = content.to_dict()
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
    period: Period,
    actor: User,
    issues_text: str | None,
    plans_text: str = "",
    finalise: bool = False,
) -> Report:
    """The report page's form: save the cadre's edits, and with `finalise` freeze the report.

    Without `issues_text` (finalising without the edit form) the edits saved before are finalised as
    they are. Each step is its own transaction (finalising renders both files before it locks the row):
    edits saved before a refused finalise stay saved. Raises what `report_draft_save` and
    `report_finalise` raise.
    """
    if issues_text is not None or not finalise:
        report = report_draft_save(
            cadre=cadre, period=period, actor=actor, issues_text=issues_text or "", plans_text=plans_text
        )
        if not finalise:
            return report
    return report_finalise(cadre=cadre, period=period, actor=actor)


def unit_cadres(unit: Unit) -> list[User]:
    """Cadres of a unit and of every unit below it."""
    ids = {unit.pk}
    frontier = [unit.pk]
    while frontier:
        frontier = list(
            Unit.objects.filter(parent_id__in=frontier).exclude(pk__in=ids).values_list("pk", flat=True)
        )
        ids.update(frontier)
    return list(
        User.objects.filter(role_q("cadre"), unit_id__in=ids, is_active=True).order_by("unit__code", "pk")
    )


def report_batch_start(*, unit: Unit, period: Period, fmt: str, actor: User) -> ReportBatch:
    """Queue the reports of every cadre of `unit` for `period`; the work runs in the background."""
    _check_format(fmt)
    if not actor.has_role("supervisor", "admin"):
        raise PermissionDenied(_("只有督查可以批量生成报告"))
    with transaction.atomic():
        batch = ReportBatch.objects.create(
            unit=unit, period=str(period), fmt=fmt, requested_by=actor, total=len(unit_cadres(unit))
        )
        from lianxin.evaluation.tasks import report_batch_task  # tasks imports this module

        transaction.on_commit(lambda: report_batch_task(batch.pk))
    return batch


def report_batch_run(*, batch_id: int) -> ReportBatch:
    """Generate each cadre's report, counting progress on the batch row as it goes; zip the results."""
    batch = ReportBatch.objects.select_related("unit").get(pk=batch_id)
    if batch.status in (BatchStatus.DONE, BatchStatus.FAILED):
        return batch
    period = Period.parse(batch.period)
    cadres = unit_cadres(batch.unit)
    ReportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.RUNNING, total=len(cadres), done=0, failed=0
    )
    buf = io.BytesIO()
    errors: list[str] = []
    done = failed = 0
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for cadre in cadres:
            try:
                data = report_render(cadre=cadre, period=period, fmt=batch.fmt)
                archive.writestr(f"{cadre.username}-{cadre}-{period}.{batch.fmt}", data)
                done += 1
            except Exception as exc:  # noqa: BLE001 - one cadre's failure must not stop the batch
                failed += 1
                errors.append(f"{cadre.username}: {type(exc).__name__}: {exc}")
            ReportBatch.objects.filter(pk=batch.pk).update(done=done, failed=failed)
    batch.refresh_from_db()
    batch.errors = "\n".join(errors)
    batch.archive.save(f"{batch.unit.code}-{period}-{batch.pk}.zip", ContentFile(buf.getvalue()), save=False)
    batch.status = BatchStatus.DONE if not failed or done else BatchStatus.FAILED
    batch.finished_at = timezone.now()
    batch.save()
    return batch
