"""How much of a phone number each way of showing it leaves visible: the masked phone of the pages and
the API (`mask_phone`), and the web server's access log, which must not print query strings at all."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianxin.core.management.commands.serve import ACCESS_LOG_FORMAT, gunicorn_argv
from lianxin.core.masking import mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("8456789", "8****89"),
        ("84567890", "84****90"),
        ("845-67890", "84****90"),
        ("845678901", "84*****01"),
        ("0845678901", "08******01"),
        ("13912345678", "139****5678"),
        ("0731-84567890", "073*****7890"),
        ("845678", "******"),
    ],
)
def test_short_numbers_show_at_most_two_digits_at_each_end(phone, masked):
    assert mask_phone(phone) == masked


@given(st.from_regex(r"[0-9]{7,10}", fullmatch=True))
def test_a_short_number_hides_at_least_half_its_digits(number):
    masked = mask_phone(number)
    assert len(masked) == len(number)
    assert masked.count("*") * 2 >= len(number)
    shown = masked.replace("*", "")
    assert len(shown) <= min(4, len(number) // 2)
    assert masked.startswith(shown[: len(shown) // 2]) and number.endswith(masked[-2:])


def test_the_access_log_names_the_path_without_the_query_string():
    argv = gunicorn_argv(host="127.0.0.1", port=8123, workers=2, threads=4)
    assert argv[argv.index("--access-logfile") + 1] == "-"
    fmt = argv[argv.index("--access-logformat") + 1]
    assert fmt == ACCESS_LOG_FORMAT
    # %(r)s is the request line with its query string, %(q)s the query string, %(f)s the referer (the
    # previous page's address, query string included), %({...}i)s any request header
    for leaky in ("%(r)s", "%(q)s", "%(f)s", "i)s"):
        assert leaky not in fmt
    for kept in ("%(m)s", "%(U)s", "%(s)s", "%(b)s", "%(M)s"):  # method, path, status, size, duration
        assert kept in fmt
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"


def test_the_access_log_line_of_a_tracking_request_carries_no_credentials():
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", ACCESS_LOG_FORMAT)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/demands/track/?ticket_no=202611260000356&code=K7Q2ZP&phone=13912345678",
        "PATH_INFO": "/demands/track/",
        "QUERY_STRING": "ticket_no=202611260000356&code=K7Q2ZP&phone=13912345678",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "http://127.0.0.1:8000/demands/list/?q=139-1234-5678",
    }
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    atoms = Logger(cfg).atoms(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=12))
    line = ACCESS_LOG_FORMAT % atoms
    assert '"GET /demands/track/ HTTP/1.1" 200 1234 12ms' in line
    assert not re.search(r"202611260000356|K7Q2ZP|139|\?", line)
