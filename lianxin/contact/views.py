"""Pages of the visit diary (民情日记): thin, each calls one service or selector."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from lianxin.accounts.models import Role, User, role_q
from lianxin.accounts.permissions import role_required
from lianxin.contact.access import OVERSEER_ROLES, SignedInRequest, cadre_from_request, may_view_cadre
from lianxin.contact.forms import VisitForm
from lianxin.contact.models import Household, Visit, VisitPhoto
from lianxin.contact.periods import Period
from lianxin.contact.selectors import (
    contact_point_list,
    coverage_get,
    coverage_rules,
    household_list,
    visit_list,
)
from lianxin.contact.services import visit_log
from lianxin.core.errors import ApplicationError
from lianxin.core.files import file_response, open_or_404
from lianxin.core.masking import mask_phone
from lianxin.demands.selectors import visible_demand_ids


def _with_phones(households: Iterable[Household], *, own: bool) -> list[dict[str, Any]]:
    """Households with the phone as the viewer may read it: whole for their own cadre, masked for overseers."""
    return [{"obj": h, "phone": h.phone if own else mask_phone(h.phone)} for h in households]


@role_required(Role.CADRE, *OVERSEER_ROLES)
def diary(request: SignedInRequest) -> HttpResponse:
    cadre = cadre_from_request(request)
    today = timezone.localdate()
    visits = list(visit_list(cadre=cadre, start=date(today.year - 1, today.month, 1))[:50])
    coverage = coverage_get(cadre=cadre, as_of=today)
    return render(
        request,
        "contact/diary.html",
        {
            "cadre": cadre,
            "visits": visits,
            "coverage": coverage,
            "own": cadre.pk == request.user.pk,
            "today": today,
        },
    )


@role_required(Role.CADRE)
def visit_new(request: SignedInRequest) -> HttpResponse:
    cadre = request.user
    form = VisitForm(request.POST or None, request.FILES or None, cadre=cadre)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = visit_log(
                cadre=cadre,
                date=data["date"],
                kind=data["kind"],
                summary=data["summary"],
                contact_point=data["contact_point"],
                households=list(data["households"]),
                photos=data["photos"],
                problems=form.problems(),
            )
        except ApplicationError as exc:
            for field, errors in exc.fields.items():
                for error in errors if isinstance(errors, list) else [errors]:
                    form.add_error(field if field in form.fields else None, str(error))
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            n = visit.problems.count()
            messages.success(
                request, _("已记录走访。") + (_("%(n)d 个问题已转为诉求工单。") % {"n": n} if n else "")
            )
            return redirect("contact:visit", pk=visit.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "contact/visit_form.html", {"form": form}, status=status)


@role_required(Role.CADRE, *OVERSEER_ROLES)
def visit_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(
        Visit.objects.select_related("cadre", "contact_point").prefetch_related(
            "households", "photos", Prefetch("problems__demand")
        ),
        pk=pk,
    )
    if not may_view_cadre(request.user, visit.cadre):
        raise Http404
    households = _with_phones(visit.households.all(), own=request.user.pk == visit.cadre_id)
    problems = list(visit.problems.all())
    linked = visible_demand_ids(request.user, (p.demand_id for p in problems if p.demand_id))
    return render(
        request,
        "contact/visit_detail.html",
        {
            "visit": visit,
            "households": households,
            "problems": [(p, p.demand_id in linked) for p in problems],
        },
    )


# Image formats a visit photo may have (services.PHOTO_FORMATS) and the type each is served as.
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


@role_required(Role.CADRE, *OVERSEER_ROLES)
def visit_photo(request: SignedInRequest, pk: int) -> FileResponse:
    """A visit photo, to whoever may open its visit, by the visit page's own rule: another cadre gets a
    404, a role outside the diary a 403, an anonymous visitor the login page.

    Photos show households (困难户, 低保...), so they never sit at a public /media/ address. The type
    comes from the image itself, not from the uploaded file name.
    """
    photo = VisitPhoto.objects.select_related("visit__cadre").filter(pk=pk).first()
    if photo is None or not may_view_cadre(request.user, photo.visit.cadre):
        raise Http404
    handle = open_or_404(photo.image)
    try:
        with Image.open(handle) as img:
            content_type = PHOTO_TYPES.get(img.format or "")
    except (UnidentifiedImageError, OSError):
        content_type = None
    handle.seek(0)
    name = photo.image.name.rsplit("/", 1)[-1]
    return file_response(
        handle, content_type or "application/octet-stream", filename=name, as_attachment=content_type is None
    )


@role_required(Role.CADRE, *OVERSEER_ROLES)
def coverage(request: SignedInRequest) -> HttpResponse:
    """One cadre's coverage of the current cycles; overseers also get every cadre's gap count."""
    as_of = timezone.localdate()
    if request.GET.get("period"):  # a malformed one is a 400 naming it (ApplicationErrorMiddleware)
        as_of = min(Period.parse(request.GET["period"]).last_day, as_of)
    cadre = cadre_from_request(request)
    rules = coverage_rules()
    ctx = {"cadre": cadre, "coverage": coverage_get(cadre=cadre, as_of=as_of, rules=rules), "as_of": as_of}
    if request.user.has_role(*OVERSEER_ROLES) and not request.GET.get("cadre"):
        ctx["overview"] = [
            (c, coverage_get(cadre=c, as_of=as_of, rules=rules))
            for c in User.objects.filter(role_q(Role.CADRE), is_active=True)
            .select_related("unit")
            .order_by("unit__code", "pk")
        ]
    return render(request, "contact/coverage.html", ctx)


@role_required(Role.CADRE, *OVERSEER_ROLES)
def contacts(request: SignedInRequest) -> HttpResponse:
    cadre = cadre_from_request(request)
    today = timezone.localdate()
    households = _with_phones(
        household_list(cadre=cadre, start=today, end=today), own=cadre.pk == request.user.pk
    )
    return render(
        request,
        "contact/contacts.html",
        {
            "cadre": cadre,
            "points": contact_point_list(cadre=cadre, start=today, end=today),
            "households": households,
        },
    )
