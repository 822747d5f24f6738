import csv
import io

import openpyxl
from django.conf import settings
from django.test import Client

from lianxin.demands.choices import Status
from lianxin.demands.models import Demand
from tests.demands.factories import make_demand


def login(world, role):
    c = Client()
    c.force_login(world[role])
    return c


def test_submit_page_flow_and_success_page(world):
    c = Client()
    r = c.post(
        "/demands/submit/",
        {"type": "help", "title": "井盖缺失", "content": "路口井盖丢了", "idempotency_key": "p1"},
    )
    assert r.status_code == 302
    d = Demand.objects.get(title="井盖缺失")
    page = c.get(r["Location"])
    assert d.ticket_no in page.content.decode() and d.query_code in page.content.decode()
    # another browser cannot see the query code
    assert Client().get(r["Location"]).status_code == 404
    again = c.post(
        "/demands/submit/",
        {"type": "help", "title": "井盖缺失", "content": "路口井盖丢了", "idempotency_key": "p1"},
    )
    assert again.status_code == 302 and Demand.objects.filter(title="井盖缺失").count() == 1


def test_submit_page_shows_field_errors(world):
    r = Client().post("/demands/submit/", {"type": "help", "title": "", "content": ""})
    assert r.status_code == 200 and "text-danger" in r.content.decode()


def test_track_page_and_rating(world):
    d = make_demand(world, Status.REPLIED, by=None)
    c = Client()
    url = f"/demands/track/?ticket_no={d.ticket_no}&code={d.query_code}"
    page = c.get(url).content.decode()
    assert "rate-form" in page and "139****5678" in page and "13912345678" not in page
    r = c.post(url, {"satisfaction": "satisfied", "resolved": "1"})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.CLOSED and d.closure == "resolved"
    wrong = c.get(f"/demands/track/?ticket_no={d.ticket_no}&code=XXXX").content.decode()
    assert "未找到" in wrong


def test_mine_lists_only_own(world):
    mine = make_demand(world)
    make_demand(world, by="other_citizen", title="别人的")
    page = login(world, "citizen").get("/demands/mine/").content.decode()
    assert mine.ticket_no in page and "别人的" not in page


def test_workbench_queues_and_query_pin(world, django_assert_max_num_queries):
    for status in (Status.SUBMITTED, Status.ACCEPTED, Status.RETURNED, Status.REPLIED, Status.IN_PROGRESS):
        make_demand(world, status)
    c = login(world, "operator")
    # 待受理: confirmed 特急, suspected, the rest; one count per tab (答复待审核, 并单待回访, 转办待确认 included)
    with django_assert_max_num_queries(20):
        r = c.get("/demands/workbench/")
    html = r.content.decode()
    assert r.status_code == 200 and "to_accept" in html
    assert "queue=review" in html and "queue=transferred" in html
    with django_assert_max_num_queries(19):
        r = c.get("/demands/workbench/?queue=returned")
    assert r.context["count"] == 1
    r = c.get("/demands/workbench/?queue=&q=13912345678")
    assert r.context["count"] == 5
    r = c.get("/demands/workbench/?queue=&q=电梯", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="demand-list")
    assert r.status_code == 200 and "<html" not in r.content.decode()


def test_unit_queue_and_supervision(world, django_assert_max_num_queries):
    make_demand(world, Status.DISPATCHED)
    c = login(world, "handler")
    with django_assert_max_num_queries(16):
        r = c.get("/demands/unit/")
    assert r.context["count"] == 1
    assert login(world, "other_handler").get("/demands/unit/").context["count"] == 0
    assert login(world, "supervisor").get("/demands/supervision/?queue=supervised").status_code == 200


def test_detail_page_and_htmx_actions(world, django_assert_max_num_queries):
    d = make_demand(world)
    c = login(world, "operator")
    with django_assert_max_num_queries(26):  # + the 紧急转办 lines, offered on a waiting demand
        page = c.get(f"/demands/{d.pk}/")
    html = page.content.decode()
    assert "form-accept" in html and "timeline" in html and "13912345678" in html
    r = c.post(f"/demands/{d.pk}/act/", {"action": "accept", "version": d.version}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "action-done" in r.content.decode()
    r = c.post(
        f"/demands/{d.pk}/act/", {"action": "accept", "version": d.version + 1}, HTTP_HX_REQUEST="true"
    )
    assert "action-error" in r.content.decode()
    r = c.post(
        f"/demands/{d.pk}/act/", {"action": "dispatch", "unit": world.unit.pk, "version": d.version + 1}
    )
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.DISPATCHED
    h = login(world, "handler")
    assert "form-sign" in h.get(f"/demands/{d.pk}/").content.decode()


def test_similar_demands_fallback(world):
    a = make_demand(world)
    b = make_demand(world)
    html = login(world, "operator").get(f"/demands/{b.pk}/").content.decode()
    assert "similar" in html and a.ticket_no in html


def test_export_masks_for_cadre_and_not_for_operator(world):
    make_demand(world, Status.IN_PROGRESS)
    op = login(world, "operator").get("/demands/export/?format=csv")
    body = b"".join(op.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "工单编号" and "13912345678" in rows[1]
    cadre = login(world, "cadre").get("/demands/export/?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(cadre.content)).active
    values = [c.value for c in list(sheet.iter_rows())[1]]
    assert "139****5678" in values and "13912345678" not in values


def test_export_keeps_a_citizens_formula_as_text(world):
    make_demand(
        world,
        Status.IN_PROGRESS,
        title='=HYPERLINK("http://evil.example/","点我")',
        content="+cmd|' /C calc'!A0 \x01",
        contact_name="@SUM(1+1)",
    )
    op = login(world, "operator")
    body = b"".join(op.get("/demands/export/?format=csv").streaming_content).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(body)))[1]
    assert row[4] == '\'=HYPERLINK("http://evil.example/","点我")' and row[9] == "'@SUM(1+1)"
    assert not [cell for cell in row if cell[:1] in ("=", "+", "-", "@")]
    sheet = openpyxl.load_workbook(io.BytesIO(op.get("/demands/export/?format=xlsx").content)).active
    cells = list(sheet.iter_rows())[1]
    assert cells[4].data_type == "s" and cells[4].value == '=HYPERLINK("http://evil.example/","点我")'
    assert cells[5].data_type == "s" and cells[5].value.startswith("+cmd")
    assert not [c for c in cells if c.data_type == "f"]


def test_export_speaks_the_language_of_the_user(world):
    d = make_demand(world, Status.CLOSED)
    d.resolved = True
    d.save(update_fields=["resolved"])
    op = login(world, "operator")
    op.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = b"".join(op.get("/demands/export/?format=csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "Work order no." and "工单编号" not in rows[0]
    assert rows[1][-1] == "Yes"
    assert rows[1][2] and not any("\u4e00" <= ch <= "\u9fff" for ch in rows[1][2])  # 诉求类型 in English
    sheet = openpyxl.load_workbook(io.BytesIO(op.get("/demands/export/?format=xlsx").content)).active
    assert sheet.title == "Demands" and sheet.cell(1, 1).value == "Work order no."


def test_stats_page_numbers_link_to_lists(world):
    make_demand(world, Status.CLOSED)
    from django.utils import timezone

    today = timezone.localdate()
    c = login(world, "supervisor")
    r = c.get(f"/demands/stats/?start={today.replace(day=1)}&end=2099-01-01")
    html = r.content.decode()
    assert "measure=satisfaction_rate" in html
    link = (
        f"/demands/list/?start={today.replace(day=1)}&end=2099-01-01&measure=satisfaction_rate&part=numerator"
    )
    assert c.get(link).context["count"] == 1


def test_stats_table_shows_rates_as_percentages_like_the_cards(world):
    make_demand(world, Status.CLOSED)
    make_demand(world, Status.IN_PROGRESS)
    html = login(world, "supervisor").get("/demands/stats/?start=2000-01-01&end=2099-01-01").content.decode()
    table = html[html.index('id="measures"') :]
    assert "100.0%" in table and "1.000" not in table
    score_row = table[table.index("满意度得分") :].split("</tr>")[0]
    assert "—" in score_row  # an average has no numerator, only the demands it averages


def test_stats_page_measure_labels_follow_the_chosen_language(world):
    make_demand(world, Status.CLOSED)
    c = login(world, "supervisor")
    assert "群众满意率" in c.get("/demands/stats/").content.decode()
    c.cookies["django_language"] = "en"
    html = c.get("/demands/stats/").content.decode()
    assert "Satisfaction rate" in html and "Average handling time (hours)" in html
    assert "群众满意率" not in html and "平均办理时长" not in html


def test_form_and_action_errors_follow_the_chosen_language(world):
    """Errors raised by the services show in the UI language on the submit page and the action panel."""
    post = {"type": "help", "title": "井盖缺失", "content": "路口井盖丢了", "contact_phone": "12"}
    assert "电话号码格式不正确" in Client().post("/demands/submit/", post).content.decode()
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = c.post("/demands/submit/", post).content.decode()
    assert "Invalid phone number" in html and "电话号码格式不正确" not in html

    d = make_demand(world)
    reject = {"action": "reject", "version": d.version}
    op = login(world, "operator")
    assert (
        "请填写不予受理的理由"
        in op.post(f"/demands/{d.pk}/act/", reject, HTTP_HX_REQUEST="true").content.decode()
    )
    op.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = op.post(f"/demands/{d.pk}/act/", reject, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="action-error">Please give the reason for rejecting the demand' in html
    assert "请填写不予受理的理由" not in html


def test_the_workbench_says_which_filter_is_wrong_instead_of_ignoring_it_silently(world):
    make_demand(world, Status.SUBMITTED)
    c = login(world, "operator")
    html = c.get("/demands/workbench/?queue=&date_from=abc&unit=x").content.decode()
    assert "以下筛选条件有误" in html and "开始日期" in html and "单位" in html
    reversed_range = c.get("/demands/workbench/?queue=&date_from=2026-05-02&date_to=2026-05-01")
    assert "结束日期早于开始日期" in reversed_range.content.decode()
    assert "filter-problems" not in c.get("/demands/workbench/?queue=").content.decode()
    api = c.get("/api/v1/demands/?date_from=2026-05-02&date_to=2026-05-01")
    assert api.status_code == 400 and "date_to" in api.content.decode()


def test_search_finds_a_phone_typed_with_country_code_spaces_or_dashes(world):
    d = make_demand(world, Status.SUBMITTED, contact_phone="13912345678")
    c = login(world, "operator")
    for typed in ("+86 139 1234 5678", "139-1234-5678", "+8613912345678"):
        page = c.get("/demands/workbench/", {"queue": "", "q": typed})
        assert [x.pk for x in page.context["demands"]] == [d.pk], typed
    assert c.get("/demands/workbench/", {"queue": "", "q": d.ticket_no}).context["demands"][0].pk == d.pk


def test_staff_are_warned_when_next_years_holidays_are_unknown(world, monkeypatch):
    from django.utils import timezone

    from lianxin.demands import workdays
    from lianxin.demands.models import CalendarDay

    next_year = timezone.localdate().year + 1
    monkeypatch.setattr(workdays, "year_is_covered", lambda year: year != next_year)
    admin_user = world["admin"]
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    warning = f"{next_year} 年的法定节假日未收录"
    assert warning in login(world, "admin").get("/admin/").content.decode()
    assert warning in login(world, "operator").get("/demands/workbench/").content.decode()
    assert warning not in login(world, "handler").get("/demands/unit/").content.decode()
    CalendarDay.objects.create(date=f"{next_year}-01-01", is_workday=False, name="元旦")
    assert warning not in login(world, "operator").get("/demands/workbench/").content.decode()


def test_the_public_pages_share_the_apis_rate_limits(world, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    # the rates are read once, when DRF's throttle class is defined
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "public_submit": "2/min", "public_track": "2/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    c = Client()
    post = {"type": "help", "title": "井盖缺失", "content": "路口井盖丢了"}
    codes = [c.post("/demands/submit/", {**post, "idempotency_key": f"k{i}"}).status_code for i in range(3)]
    assert codes == [302, 302, 429]
    refused = c.post("/demands/submit/", {**post, "idempotency_key": "k9"})
    assert "操作过于频繁" in refused.content.decode() and int(refused["Retry-After"]) >= 1
    tries = [
        c.get("/demands/track/", {"ticket_no": "2026", "code": f"AAAA{i}"}).status_code for i in range(3)
    ]
    assert tries == [200, 200, 429]
    assert c.get("/demands/track/").status_code == 200  # the empty form is no guess
    operator = login(world, "operator")  # operators enter calls all day: not throttled
    entered = operator.post("/demands/submit/", {**post, "urgency": "normal", "idempotency_key": "op"})
    assert entered.status_code == 302


def test_a_refused_attachment_leaves_no_demand_behind(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    svg = SimpleUploadedFile(
        "x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/svg+xml"
    )
    post = {
        "type": "help",
        "title": "附件孤儿测试",
        "content": "路口井盖丢了",
        "idempotency_key": "att1",
        "attachment": svg,
    }
    page = Client().post("/demands/submit/", post)
    assert page.status_code == 200 and "附件只能是图片" in page.content.decode()
    assert not Demand.objects.filter(title="附件孤儿测试").exists()
