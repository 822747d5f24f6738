"""Intake with intel: category suggestion → operator confirms; urgency escalation; failures never block."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from lianxin.analysis import services
from lianxin.analysis.models import DemandIntel
from lianxin.core.models import Notification
from lianxin.demands import services as demand_services
from lianxin.demands.choices import Status, Urgency
from lianxin.demands.models import Demand, RoutingRule

DANGER = "楼顶有人要跳楼，情绪激动，请马上派人"


def test_operator_sees_top_suggestions_with_routing_unit_and_confirms_a_corrected_category(
    world, taxonomy, tiny_model_bytes, client, django_capture_on_commit_callbacks
):
    services.classifier_version_upload(data=tiny_model_bytes, name="tiny")
    RoutingRule.objects.create(category=taxonomy["交通运输"], unit=world.unit, priority=100)
    with django_capture_on_commit_callbacks(execute=True):
        demand, _ = demand_services.demand_submit(
            actor=None, title="公交车晚点严重", content="12路公交车天天晚点，希望增加班次", area=world.street
        )
    intel = DemandIntel.objects.get(demand=demand)
    assert intel.suggestions[0]["category"] == "交通运输" and intel.model_version_id
    client.force_login(world["operator"])
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert 'id="intel-suggestions"' in page
    assert "交通运输" in page and "%" in page
    assert f"规则推荐主办：{world.unit.name}" in page
    # the operator corrects the suggestion: 环境保护 instead of 交通运输
    response = client.post(
        reverse("analysis:accept", args=[demand.pk]),
        {"category": taxonomy["环境保护"].pk, "version": demand.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "demand-status" in response.content.decode()
    demand.refresh_from_db()
    assert demand.status == Status.ACCEPTED and demand.category_id == taxonomy["环境保护"].pk
    intel.refresh_from_db()
    assert intel.confirmed_category_id == taxonomy["环境保护"].pk and intel.corrected is True
    accept_event = demand.events.get(action="accept")
    assert accept_event.actor == world["operator"] and accept_event.data["category"] == "环境保护"


def test_confirming_the_top_suggestion_is_not_a_correction(world, taxonomy, tiny_model_bytes, client):
    services.classifier_version_upload(data=tiny_model_bytes, name="tiny")
    demand, _ = demand_services.demand_submit(actor=None, title="公交车晚点", content="公交车晚点严重")
    DemandIntel.objects.create(demand=demand, suggestions=services.suggest_category("公交车晚点严重"))
    client.force_login(world["operator"])
    client.post(reverse("analysis:accept", args=[demand.pk]), {"category": taxonomy["交通运输"].pk})
    intel = DemandIntel.objects.get(demand=demand)
    assert intel.corrected is False and intel.confirmed_category_id == taxonomy["交通运输"].pk


def test_the_demand_pages_one_accept_form_records_the_correction_too(
    world, taxonomy, tiny_model_bytes, client
):
    services.classifier_version_upload(data=tiny_model_bytes, name="tiny")
    demand, _ = demand_services.demand_submit(actor=None, title="公交车晚点", content="公交车晚点严重")
    DemandIntel.objects.create(demand=demand, suggestions=services.suggest_category("公交车晚点严重"))
    client.force_login(world["operator"])
    client.post(
        reverse("demands:act", args=[demand.pk]),
        {"action": "accept", "version": demand.version, "category": taxonomy["环境保护"].pk},
    )
    demand.refresh_from_db()
    assert demand.status == Status.ACCEPTED and demand.category_id == taxonomy["环境保护"].pk
    intel = DemandIntel.objects.get(demand=demand)
    assert intel.confirmed_category_id == taxonomy["环境保护"].pk and intel.corrected is True


def test_accept_by_a_handler_is_forbidden(world, taxonomy, client):
    demand, _ = demand_services.demand_submit(actor=None, title="公交车晚点", content="公交车晚点严重")
    client.force_login(world["handler"])
    response = client.post(
        reverse("analysis:accept", args=[demand.pk]), {"category": taxonomy["交通运输"].pk}
    )
    assert response.status_code == 403
    assert Demand.objects.get(pk=demand.pk).status == Status.SUBMITTED


def test_danger_to_life_is_flagged_critical_and_escalated_to_supervisors_at_once(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        demand, _ = demand_services.demand_submit(actor=None, title="紧急求助", content=DANGER)
    intel = DemandIntel.objects.get(demand=demand)
    assert intel.urgency == "critical" and "self_harm" in intel.urgency_reason and intel.escalated_at
    notes = Notification.objects.filter(kind="escalation")
    assert notes.filter(recipient=world["supervisor"]).exists()
    assert notes.filter(recipient=world["operator"]).exists()
    assert not notes.filter(recipient=world["handler"]).exists()
    # flagged for the operator, not set behind their back: the demand keeps its urgency until 受理
    demand.refresh_from_db()
    assert demand.urgency == Urgency.NORMAL
    client.force_login(world["operator"])
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert "疑似特急" in page and 'data-pick-urgency="critical"' in page  # picks 特急 in the 受理 form


def test_a_demand_already_marked_critical_is_not_escalated_twice(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demand_services.demand_submit(
            actor=world["operator"], title="紧急", content=DANGER, urgency=Urgency.CRITICAL
        )
    assert not Notification.objects.filter(kind="escalation").exists()


def test_ordinary_text_is_not_escalated(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demand, _ = demand_services.demand_submit(actor=None, title="路灯不亮", content="小区门口路灯坏了")
    assert DemandIntel.objects.get(demand=demand).urgency == "normal"
    assert not Notification.objects.filter(kind="escalation").exists()


def test_raising_core_functions_never_block_intake(world, monkeypatch, django_capture_on_commit_callbacks):
    def boom(*args, **kwargs):
        raise RuntimeError("intel is down")

    monkeypatch.setattr("lianxin.intel.urgency.detect_urgency", boom)
    monkeypatch.setattr("lianxin.analysis.classifier.suggest", boom)
    monkeypatch.setattr("lianxin.analysis.similar.similar_query", boom)
    monkeypatch.setattr("lianxin.analysis.models.SimilarChange.objects.create", boom)
    with django_capture_on_commit_callbacks(execute=True):
        demand, created = demand_services.demand_submit(actor=None, title="紧急", content=DANGER)
    assert created and Demand.objects.filter(pk=demand.pk, status=Status.SUBMITTED).exists()
    from lianxin.demands.services import demand_intel_suggestions

    assert demand_intel_suggestions(demand=demand) == {}


def test_intake_page_and_api_work_with_a_raising_adapter(world, monkeypatch, client):
    def boom(*args, **kwargs):
        raise RuntimeError("intel is down")

    for name in ("suggest_category", "detect_urgency", "similar_demand_ids", "mask_pii"):
        monkeypatch.setattr(f"lianxin.analysis.services.{name}", boom)
    response = client.post(
        "/api/v1/demands/", {"title": "电话13912345678", "content": "内容"}, content_type="application/json"
    )
    assert response.status_code == 201
    demand = Demand.objects.get(pk=response.json()["id"])
    client.force_login(world["operator"])
    assert client.get(reverse("demands:detail", args=[demand.pk])).status_code == 200
    track = client.get("/api/v1/track/", {"ticket_no": demand.ticket_no, "code": demand.query_code})
    assert track.status_code == 200 and "13912345678" not in track.content.decode()


def test_escalation_body_names_the_signals_in_the_readers_language(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        demand_services.demand_submit(actor=None, title="紧急求助", content=DANGER)
    note = Notification.objects.get(kind="escalation", recipient=world["supervisor"])
    chinese = "智能研判为特急，请立即核实处置。研判依据：\n轻生自伤：“跳楼”"
    assert note.body == note.display_body == chinese  # senders keep the Chinese
    with translation.override("en"):
        assert note.display_body == (
            "Intel flags this as critical; please verify and act at once. Signals:\nSelf-harm: “跳楼”"
        )
    client.force_login(world["supervisor"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("accounts:inbox")).content.decode()
    assert "Self-harm: “跳楼”" in page and "研判依据" not in page
    note.body_msgs[1] = ["轻生自伤：“%(words)s”", {"phrase": "跳楼"}]  # a msgid changed since
    with translation.override("en"):
        assert note.display_body == chinese


def test_a_phrase_in_the_title_and_the_details_is_named_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demand, _ = demand_services.demand_submit(actor=None, title="邻居要跳楼", content=DANGER)
    note = Notification.objects.get(kind="escalation", recipient=world["supervisor"])
    assert note.body.count("跳楼") == 1
    assert DemandIntel.objects.get(demand=demand).urgency_reason == "self_harm: 跳楼"


def test_every_urgency_kind_has_a_line_of_its_own():
    from lianxin.analysis.intake import PII_LABELS, SIGNAL_LINES
    from lianxin.intel.urgency import KINDS

    assert set(SIGNAL_LINES) == set(KINDS)
    assert set(PII_LABELS) == {"phone", "id_card", "email", "address", "name", "plate", "bank_card"}


def test_the_operator_reads_signals_and_personal_data_by_name_not_code(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        demand, _ = demand_services.demand_submit(
            actor=None, title="紧急求助", content=DANGER + "，联系电话13912345678"
        )
    client.force_login(world["operator"])
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert "轻生自伤：“跳楼”" in page and "电话号码" in page
    assert "self_harm" not in page and ">phone<" not in page and "：phone" not in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert "Self-harm: “跳楼”" in page and "Phone number" in page and "轻生自伤" not in page
