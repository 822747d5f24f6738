"""Who sees which case: its mediators theirs; supervisors and admins all; cadres the cases of their area
subtree; everyone else nothing (a case they may not see is a 404). Whole personal data of parties for the
case's mediators, supervisors and admins; cadres read it masked."""

from __future__ import annotations

from django.db.models import Q

from lianxin.accounts.models import Role, Viewer
from lianxin.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from lianxin.mediation.choices import PartyKind
from lianxin.mediation.models import Case, CaseMediator, Party
from lianxin.mediation.transitions import AREA_CADRE, MEDIATOR, OVERSEERS

NOTHING = Q(pk__in=[])


def sees_all_cases(user: Viewer) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_role(*OVERSEERS))


def case_visible_q(user: Viewer) -> Q:
    if user is None or not user.is_authenticated:
        return NOTHING
    if sees_all_cases(user):
        return Q()
    q = Q(pk__in=CaseMediator.objects.filter(user_id=user.pk).values("case_id"))
    area = user.area_scope
    if user.has_role(Role.CADRE) and area is not None:
        q |= area.subtree_q("area")
    return q


def is_mediator(user: Viewer, case: Case) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return CaseMediator.objects.filter(case=case, user_id=user.pk).exists()


def actor_relations(user: Viewer, case: Case) -> set[str]:
    """The user's role codes plus their relations to this case (transitions.py)."""
    if user is None or not user.is_authenticated:
        return set()
    relations = set(user.role_list)
    if user.is_superuser:
        relations.add(Role.ADMIN)
    if is_mediator(user, case):
        relations.add(MEDIATOR)
    area = user.area_scope
    if user.has_role(Role.CADRE) and area is not None and area.contains(case.area):
        relations.add(AREA_CADRE)
    return relations


def case_is_visible(user: Viewer, case: Case) -> bool:
    relations = actor_relations(user, case)
    return bool(relations & {MEDIATOR, AREA_CADRE, *OVERSEERS})


def sees_personal_data(user: Viewer, case: Case) -> bool:
    return sees_all_cases(user) or is_mediator(user, case)


def party_view(party: Party, *, whole: bool) -> dict[str, str]:
    """A party as the viewer may read it: whole, or masked (an organisation's name is not masked)."""
    person = party.kind == PartyKind.PERSON
    if whole:
        name, id_number, phone, address = party.name, party.id_number, party.phone, party.address
    else:
        name = mask_name(party.name) if person else party.name
        id_number, phone, address = (
            mask_id_number(party.id_number),
            mask_phone(party.phone),
            mask_address(party.address),
        )
    return {"name": name, "id_number": id_number, "phone": phone, "address": address}
