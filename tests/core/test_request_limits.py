"""Request limits at the edge: deeply nested JSON refused before parsing on every door, body sizes,
control characters dropped, uploads judged by all of their content, Pillow's bomb limit."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from drf_spectacular.generators import SchemaGenerator
from PIL import Image
from rest_framework.exceptions import ParseError

from lianxin.core.errors import ValidationFailed
from lianxin.core.files import upload_type_check
from lianxin.core.limits import JSONParser, JSONTooDeep, json_depth_over, json_loads_limited, strip_controls
from lianxin.core.middleware import RequestLimitsMiddleware

pytestmark = pytest.mark.django_db

DEEP = "[" * 950 + "]" * 950  # 1.9 KB: json.loads recurses past Python's limit on it
IMAGES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
ALL = IMAGES | {"application/pdf"}


def _write_paths() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = []
    for path, operations in schema["paths"].items():
        if {"post", "put", "patch"} & set(operations):
            concrete = path
            while "{" in concrete:
                start, end = concrete.index("{"), concrete.index("}")
                concrete = concrete[:start] + "1" + concrete[end + 1 :]
            paths.append(concrete)
    return paths


def test_deep_json_is_a_400_on_every_api_door(client):
    paths = _write_paths()
    assert len(paths) >= 5
    statuses = {}
    for path in paths:
        for method in ("post", "put", "patch"):
            response = getattr(client, method)(path, DEEP, content_type="application/json")
            statuses[(method, path)] = response.status_code
            if response.status_code == 400:
                assert response.json()["error"]["code"] == "too_deep"
    assert set(statuses.values()) == {400}, {k: v for k, v in statuses.items() if v != 400}


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/demands/new/", "/api/v1/interconnect/work-orders/", "/"]
)
def test_deep_json_refused_on_pages_and_plain_views(client, path):
    response = client.post(path, DEEP, content_type="application/json")
    assert response.status_code == 400


def test_shallow_json_still_works(client):
    response = client.post(
        "/api/v1/auth/token/", {"username": "nobody", "password": "x"}, content_type="application/json"
    )
    assert response.status_code in (400, 401)
    assert response.json()["error"]["code"] != "too_deep"


def test_body_size_limit(client, settings):
    settings.LIANXIN_JSON_MAX_BYTES = 1000
    body = json.dumps({"title": "x" * 2000})
    response = client.post("/api/v1/demands/", body, content_type="application/json")
    assert response.status_code == 413
    with pytest.raises(ParseError):
        JSONParser().parse(io.BytesIO(body.encode()), "application/json", {})


def test_depth_scan_ignores_brackets_in_strings():
    assert not json_depth_over(json.dumps({"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}), 3)
    assert json_depth_over("[[[[1]]]]", 3)
    assert not json_depth_over('{"a": [1, {"b": "\\"[[[["}]}', 3)
    with pytest.raises(JSONTooDeep):
        json_loads_limited(DEEP)
    assert json_loads_limited('{"a": [1]}') == {"a": [1]}


def test_parser_refuses_deep_json_and_strips_control_characters():
    with pytest.raises(ParseError):
        JSONParser().parse(io.BytesIO(DEEP.encode()), "application/json", {})
    data = JSONParser().parse(
        io.BytesIO(json.dumps({"t\x00": "a\x00b\x07c\td\ne\r\n\x1b[31m\x7f\x85"}).encode()),
        "application/json",
        {},
    )
    assert data == {"t": "abc\td\ne\r\n[31m"}
    with pytest.raises(ParseError):
        JSONParser().parse(io.BytesIO(b'{"a": NaN}'), "application/json", {})


def test_control_characters_stripped_from_forms():
    seen = {}

    def view(request):
        seen.update(request.POST.dict())
        return HttpResponse("ok")

    request = RequestFactory().post("/x/", {"title": "噪音\x00扰民\x08", "content": "第一行\n第二行\t完"})
    RequestLimitsMiddleware(view)(request)
    assert seen == {"title": "噪音扰民", "content": "第一行\n第二行\t完"}
    assert strip_controls(["a\x01", {"k": "\x02v"}, 3]) == ["a", {"k": "v"}, 3]


# --- uploads ---------------------------------------------------------------------------------------


def _image(fmt: str, size=(4, 4)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, fmt)
    return buf.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_real_files_are_accepted():
    assert upload_type_check(SimpleUploadedFile("a", PDF), allowed=ALL) == "application/pdf"
    for fmt, kind in (
        ("PNG", "image/png"),
        ("JPEG", "image/jpeg"),
        ("GIF", "image/gif"),
        ("WEBP", "image/webp"),
    ):
        assert upload_type_check(SimpleUploadedFile("a", _image(fmt)), allowed=ALL) == kind


@pytest.mark.parametrize(
    "content",
    [
        PDF + b"<html><script>alert(document.cookie)</script></html>",
        b"%PDF-1.4\n<html><body onload=alert(1)>\n%%EOF",
        b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF",
        b"%PDF-1.4 then anything at all, no end",
    ],
)
def test_pdf_polyglots_are_refused(content):
    with pytest.raises(ValidationFailed) as err:
        upload_type_check(SimpleUploadedFile("a.pdf", content), allowed=ALL)
    assert "file" in err.value.fields


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "WEBP"])
def test_image_with_appended_html_is_refused(fmt):
    with pytest.raises(ValidationFailed):
        upload_type_check(
            SimpleUploadedFile("a", _image(fmt) + b"<html><script>alert(1)</script>"), allowed=ALL
        )


def test_jpeg_with_appended_html_is_refused():
    with pytest.raises(ValidationFailed):
        upload_type_check(SimpleUploadedFile("a", _image("JPEG") + b"<script>alert(1)</script>"), allowed=ALL)


def test_truncated_image_is_refused():
    with pytest.raises(ValidationFailed):
        upload_type_check(SimpleUploadedFile("a", _image("PNG", (64, 64))[:-30]), allowed=ALL)


def test_decompression_bomb_refused_with_a_clear_error(settings):
    settings.LIANXIN_IMAGE_MAX_PIXELS = 10_000
    with pytest.raises(ValidationFailed) as err:
        upload_type_check(SimpleUploadedFile("a", _image("PNG", (200, 200))), allowed=ALL)
    assert err.value.code == "image_too_large" and "10,000" in err.value.message


def test_pillow_limit_is_set():
    from django.conf import settings

    assert Image.MAX_IMAGE_PIXELS == settings.LIANXIN_IMAGE_MAX_PIXELS


def test_demand_attachments_use_the_full_check():
    from lianxin.demands.services.intake import attachment_sniff

    polyglot = SimpleUploadedFile("a.pdf", PDF + b"<html><script>alert(1)</script></html>")
    with pytest.raises(ValidationFailed):
        attachment_sniff(polyglot.read(8), polyglot)
    png_html = SimpleUploadedFile("a.png", _image("PNG") + b"<html><script>alert(1)</script>")
    with pytest.raises(ValidationFailed):
        attachment_sniff(png_html.read(8), png_html)
    ok = SimpleUploadedFile("a.png", _image("PNG"))
    assert attachment_sniff(ok.read(8), ok) == "image/png"
