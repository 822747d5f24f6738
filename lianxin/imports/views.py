"""The operator's import page (/demands/import/): upload → preview with the column mapping → run, then
the job's progress (polled with HTMX) and the refused-rows report. Operators and admins only."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from lianxin.accounts.http import UserRequest
from lianxin.accounts.models import Role
from lianxin.accounts.permissions import role_required
from lianxin.core.errors import ApplicationError
from lianxin.demands.importers import file_preview, guess_mapping, reason_label
from lianxin.imports import services
from lianxin.imports.forms import MappingForm, UploadForm
from lianxin.imports.models import ImportJob, JobStatus

ROLES = (Role.OPERATOR, Role.ADMIN)
PREVIEW_ROWS = 5


@role_required(*ROLES)
def start(request: UserRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            job = services.job_create(upload=form.cleaned_data["file"], actor=request.user)
        except ApplicationError as exc:
            error = exc
        else:
            return redirect("imports:job", pk=job.pk)
    jobs = ImportJob.objects.select_related("created_by")[:20]
    status = 400 if request.method == "POST" else 200
    return render(request, "imports/start.html", {"form": form, "error": error, "jobs": jobs}, status=status)


@role_required(*ROLES)
def job(request: UserRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)
    if found.status != JobStatus.DRAFT:
        template = "imports/_progress.html" if request.headers.get("HX-Request") else "imports/job.html"
        return render(request, template, {"job": found})
    try:
        header, rows = file_preview(found.file.path, rows=PREVIEW_ROWS)
    except ApplicationError as exc:
        return render(request, "imports/job.html", {"job": found, "error": exc}, status=400)
    form = MappingForm(request.POST or None, header=header, guess=guess_mapping(header))
    if request.method == "POST" and form.is_valid():
        services.job_start(job=found, mapping=form.mapping(), actor=request.user)
        return redirect("imports:job", pk=found.pk)
    context = {"job": found, "form": form, "header": header, "rows": rows}
    return render(request, "imports/mapping.html", context, status=400 if request.method == "POST" else 200)


@role_required(*ROLES)
def refused_report(request: UserRequest, pk: int) -> HttpResponse:
    """The refused rows of a job as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    found = get_object_or_404(ImportJob, pk=pk)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("行号"), _("原因"), _("原因代码"), _("留言编号"), _("留言主题"), _("原值")])
    for row in found.refused_rows or []:
        writer.writerow(
            [
                row.get("row", ""),
                reason_label(str(row.get("reason", ""))),
                row.get("reason", ""),
                row.get("id", ""),
                row.get("title", ""),
                row.get("value", ""),
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{found.pk}-refused.csv"'
    return response
