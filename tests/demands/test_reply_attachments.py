"""答复附件: the lead unit's handler attaches photos of the work done and documents to the reply. Every file
is checked as submission files are (by content, size, pixels) before anything is written; the reply and
its files are saved in one transaction. The citizen sees them with the reply on the tracking page and in
the tracking payload — not while the reply is held for review — and may download them (the requester, or
whoever holds the ticket number and query code); nobody else's files."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from lianxin.core.errors import ValidationFailed
from lianxin.demands import services, views
from lianxin.demands.choices import Action, Outcome, Status
from lianxin.demands.models import AttachmentPurpose, DemandAttachment, DemandEvent, ReplyReviewRule
from lianxin.demands.serializers import track_payload
from tests.demands.factories import make_demand

pytestmark = pytest.mark.django_db

TEXT = "已安排维保单位更换电梯控制板，电梯已恢复运行。"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _png(colour: str = "green") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buf, "PNG")
    return buf.getvalue()


def _docx() -> bytes:
    from docx import Document

    buf = io.BytesIO()
    document = Document()
    document.add_paragraph("维修记录")
    document.save(buf)
    return buf.getvalue()


def _reply(client, world, d, files, text=TEXT):
    client.force_login(world["handler"])
    return client.post(
        f"/demands/{d.pk}/act/",
        {"action": "reply", "version": d.version, "text": text, "outcome": Outcome.RESOLVED, "files": files},
        HTTP_HX_REQUEST="true",
    )


def _photo_and_pdf():
    return [
        SimpleUploadedFile("现场照片.png", _png(), content_type="image/png"),
        SimpleUploadedFile("验收单.pdf", PDF, content_type="application/pdf"),
    ]


def _replied(world, client):
    d = make_demand(world, Status.IN_PROGRESS)
    assert _reply(client, world, d, _photo_and_pdf()).status_code == 200
    client.logout()
    d.refresh_from_db()
    return d


def _links(html: str) -> list[str]:
    return [
        h.replace("&amp;", "&") for h in re.findall(r'class="me-2 reply-attachment" href="([^"]+)"', html)
    ]


def test_the_form_posts_files_and_the_reply_saves_them_with_purpose_reply(world, client):
    d = make_demand(world, Status.IN_PROGRESS)
    client.force_login(world["handler"])
    page = client.get(f"/demands/{d.pk}/").content.decode()
    form = re.search(r'<form[^>]*id="form-reply"[^>]*>', page).group(0)
    assert 'enctype="multipart/form-data"' in form and 'hx-encoding="multipart/form-data"' in form
    assert 'type="file" name="files"' in page

    panel = _reply(client, world, d, _photo_and_pdf()).content.decode()
    d.refresh_from_db()
    assert d.status == Status.REPLIED and d.reply_text == TEXT
    files = list(DemandAttachment.objects.filter(demand=d))
    assert [(a.original_name, a.content_type, a.purpose) for a in files] == [
        ("现场照片.png", "image/png", AttachmentPurpose.REPLY),
        ("验收单.pdf", "application/pdf", AttachmentPurpose.REPLY),
    ]
    assert all(a.uploaded_by == world["handler"] and a.size > 0 for a in files)
    event = DemandEvent.objects.get(demand=d, action=Action.ATTACH)
    assert event.data == {"attachments": [a.pk for a in files], "purpose": "reply"}
    # staff see them under the reply; the citizen's own submission files are listed apart
    assert 'id="reply-attachments"' in panel and "答复附件" in panel and "现场照片.png" in panel
    staff_file = client.get(f"/demands/attachments/{files[0].pk}/")
    assert staff_file.status_code == 200 and staff_file["Content-Type"] == "image/png"


def test_a_word_document_is_accepted_and_a_zip_that_is_not_one_refused(world, client):
    d = make_demand(world, Status.IN_PROGRESS)
    bogus = io.BytesIO()
    with zipfile.ZipFile(bogus, "w") as archive:
        archive.writestr("readme.txt", "not a document")
    _reply(client, world, d, [SimpleUploadedFile("fake.docx", bogus.getvalue())])
    assert not DemandAttachment.objects.filter(demand=d).exists()
    _reply(client, world, d, [SimpleUploadedFile("整改报告.docx", _docx())])
    (item,) = DemandAttachment.objects.filter(demand=d)
    assert item.content_type.endswith("wordprocessingml.document") and item.file.name.endswith(".docx")


def test_one_bad_file_refuses_the_whole_reply_by_its_name(world, client):
    d = make_demand(world, Status.IN_PROGRESS)
    files = [
        SimpleUploadedFile("good.png", _png()),
        SimpleUploadedFile("evil.png", b"<html><script>alert(1)</script></html>", content_type="image/png"),
    ]
    panel = _reply(client, world, d, files).content.decode()
    assert 'id="action-error"' in panel and "evil.png" in panel
    d.refresh_from_db()
    assert d.status == Status.IN_PROGRESS and d.reply_text == ""
    assert not DemandAttachment.objects.filter(demand=d).exists()
    assert not DemandEvent.objects.filter(demand=d, action__in=[Action.REPLY, Action.ATTACH]).exists()


def test_a_png_with_a_page_appended_is_refused_too(world, client):
    d = make_demand(world, Status.IN_PROGRESS)
    polyglot = SimpleUploadedFile("photo.png", _png() + b"<html><script>alert(1)</script></html>")
    assert "photo.png" in _reply(client, world, d, [polyglot]).content.decode()
    assert not DemandAttachment.objects.filter(demand=d).exists()


def test_too_many_files_are_refused(world, client, settings):
    d = make_demand(world, Status.IN_PROGRESS)
    assert settings.LIANXIN_DEMANDS_MAX_REPLY_FILES == 5
    files = [SimpleUploadedFile(f"p{i}.png", _png()) for i in range(6)]
    panel = _reply(client, world, d, files).content.decode()
    assert "最多 5 个" in panel
    d.refresh_from_db()
    assert d.status == Status.IN_PROGRESS and not DemandAttachment.objects.filter(demand=d).exists()


def test_the_reply_and_its_files_land_together_or_not_at_all(world, client, monkeypatch):
    d = make_demand(world, Status.IN_PROGRESS)
    real = views.demand_reply_attach

    def fails_after_saving(**kwargs):
        real(**kwargs)
        assert DemandAttachment.objects.filter(demand=d).count() == 2  # written, inside the transaction
        raise ValidationFailed("storage failed")

    monkeypatch.setattr(views, "demand_reply_attach", fails_after_saving)
    panel = _reply(client, world, d, _photo_and_pdf()).content.decode()
    assert "storage failed" in panel
    d.refresh_from_db()
    assert d.status == Status.IN_PROGRESS and d.reply_text == ""
    assert not DemandAttachment.objects.filter(demand=d).exists()
    assert not DemandEvent.objects.filter(demand=d, action=Action.REPLY).exists()


def test_only_the_lead_handler_attaches_and_not_after_rating(world):
    d = make_demand(world, Status.IN_PROGRESS)
    with pytest.raises(Exception, match="承办人"):
        services.handling.demand_reply_attach(
            demand=d, actor=world["other_handler"], files=[SimpleUploadedFile("a.png", _png())]
        )
    rated = make_demand(world, Status.CLOSED)
    with pytest.raises(Exception, match="不能上传"):
        services.handling.demand_reply_attach(
            demand=rated, actor=world["handler"], files=[SimpleUploadedFile("a.png", _png())]
        )


def test_the_citizen_sees_and_downloads_them_with_the_reply(world, client):
    d = _replied(world, client)
    photo, pdf = DemandAttachment.objects.filter(demand=d)
    payload = track_payload(d)
    assert payload["reply_attachments"] == [
        {"id": photo.pk, "name": "现场照片.png", "content_type": "image/png", "size": photo.size},
        {"id": pdf.pk, "name": "验收单.pdf", "content_type": "application/pdf", "size": pdf.size},
    ]
    api = client.get("/api/v1/track/", {"ticket_no": d.ticket_no, "code": d.query_code}).json()
    assert [a["name"] for a in api["reply_attachments"]] == ["现场照片.png", "验收单.pdf"]
    page = client.get("/demands/track/", {"ticket_no": d.ticket_no, "code": d.query_code}).content.decode()
    links = _links(page)
    assert len(links) == 2 and "验收单.pdf" in page
    got = client.get(links[1])  # anonymous, with the ticket number and query code
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert b"".join(got.streaming_content) == PDF
    # the requester signed in needs no code
    client.force_login(world["citizen"])
    assert client.get(f"/demands/attachments/{photo.pk}/").status_code == 200


def test_not_while_the_reply_is_held_for_review(world, client):
    ReplyReviewRule.objects.create(category=world.category)
    d = _replied(world, client)
    assert d.reply_held
    photo = DemandAttachment.objects.filter(demand=d).first()
    assert track_payload(d)["reply_attachments"] == []
    page = client.get("/demands/track/", {"ticket_no": d.ticket_no, "code": d.query_code}).content.decode()
    assert not _links(page) and "现场照片" not in page
    code = {"ticket_no": d.ticket_no, "code": d.query_code}
    assert client.get(f"/demands/attachments/{photo.pk}/", code).status_code == 404
    client.force_login(world["citizen"])
    assert client.get(f"/demands/attachments/{photo.pk}/").status_code == 404
    d = services.demand_transition(demand=d, actor=world["supervisor"], action=Action.APPROVE_REPLY)
    assert [a["id"] for a in track_payload(d)["reply_attachments"]][:1] == [photo.pk]
    assert client.get(f"/demands/attachments/{photo.pk}/").status_code == 200


def test_nobody_else_downloads_them_nor_anyone_the_submission_files(world, client):
    d = _replied(world, client)
    photo = DemandAttachment.objects.filter(demand=d).first()
    submitted = services.demand_attach(
        demand=d, actor=world["citizen"], upload=SimpleUploadedFile("mine.png", _png("red"))
    )
    url = f"/demands/attachments/{photo.pk}/"
    # no code, a wrong code, another ticket's code
    assert client.get(url).status_code == 302  # to sign in
    assert client.get(url, {"ticket_no": d.ticket_no, "code": "WRONG123"}).status_code == 404
    other = make_demand(world, Status.IN_PROGRESS, by="other_citizen")
    assert client.get(url, {"ticket_no": other.ticket_no, "code": other.query_code}).status_code == 404
    # a submission file is never had by the code alone
    code = {"ticket_no": d.ticket_no, "code": d.query_code}
    assert client.get(f"/demands/attachments/{submitted.pk}/", code).status_code == 404
    # another citizen signed in
    client.force_login(world["other_citizen"])
    assert client.get(url).status_code == 404
    assert client.get(f"/demands/attachments/{submitted.pk}/").status_code == 404
    # a handler of another unit
    client.force_login(world["other_handler"])
    assert client.get(url).status_code == 404


def test_a_reply_sent_back_in_review_takes_its_files_with_it(world, client):
    """答复退回: the returned reply's files stay for staff, marked as returned; the citizen, after the next
    reply is approved, sees that reply's files only (and cannot open the returned ones, even signed in)."""
    ReplyReviewRule.objects.create(category=world.category)
    d = _replied(world, client)
    old_photo, old_pdf = DemandAttachment.objects.filter(demand=d).order_by("pk")
    d = services.demand_transition(
        demand=d, actor=world["operator"], action=Action.RETURN_REPLY, reason="照片不清"
    )
    assert set(DemandAttachment.objects.filter(demand=d).values_list("purpose", flat=True)) == {"returned"}
    event = DemandEvent.objects.get(demand=d, action=Action.RETURN_REPLY)
    assert event.data["files_returned"] == [old_photo.pk, old_pdf.pk]
    new = SimpleUploadedFile("清晰照片.png", _png("blue"), content_type="image/png")
    assert _reply(client, world, d, [new]).status_code == 200
    d.refresh_from_db()
    staff_panel = client.get(f"/demands/{d.pk}/").content.decode()
    assert "退回答复的附件" in staff_panel and "现场照片.png" in staff_panel
    d = services.demand_transition(demand=d, actor=world["operator"], action=Action.APPROVE_REPLY)
    assert [a["name"] for a in track_payload(d)["reply_attachments"]] == ["清晰照片.png"]
    client.logout()
    page = client.get("/demands/track/", {"ticket_no": d.ticket_no, "code": d.query_code}).content.decode()
    assert "清晰照片.png" in page and "现场照片.png" not in page
    query = {"ticket_no": d.ticket_no, "code": d.query_code}
    assert client.get(f"/demands/attachments/{old_photo.pk}/", query).status_code == 404
    client.force_login(world["citizen"])
    assert client.get(f"/demands/attachments/{old_photo.pk}/").status_code == 404
