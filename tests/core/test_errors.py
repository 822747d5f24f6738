"""Application errors carry plain strings, translated where they are raised."""

from __future__ import annotations

import json

from django.utils import translation
from django.utils.translation import gettext_lazy

from lianxin.core.api import error_body
from lianxin.core.errors import ValidationFailed


def test_lazy_messages_become_plain_strings_in_the_language_active_when_raised():
    with translation.override("en"):
        exc = ValidationFailed(gettext_lazy("请选择文件"), fields={"file": [gettext_lazy("必填")]})
    assert type(exc.message) is str and type(exc.fields["file"][0]) is str
    assert json.loads(json.dumps(error_body(exc.code, exc.message, exc.fields))) == {
        "error": {"code": "invalid", "message": "Please choose a file", "fields": {"file": ["Required"]}}
    }
