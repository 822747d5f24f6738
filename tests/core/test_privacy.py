import logging

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from lianxin.accounts.models import User
from lianxin.core.crypto import phone_index
from lianxin.core.logging import ClientErrorFilter, PiiFilter, scrub
from lianxin.core.masking import mask_id_number, mask_name, mask_phone
from tests.factories import UserFactory

phones = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(phones)
def test_masked_phone_never_shows_the_middle_digits(phone):
    masked = mask_phone(phone)
    assert masked[:3] == phone[:3] and masked[-4:] == phone[-4:]
    assert phone[3:7] not in masked[3:-4]
    assert phone not in masked


@given(st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True))
def test_masked_id_number_hides_the_birth_date(number):
    masked = mask_id_number(number)
    assert number[6:14] not in masked
    assert len(masked) == len(number)


@given(st.text(min_size=2, max_size=6, alphabet="张王李赵刘陈杨黄周吴"))
def test_masked_name_keeps_only_the_surname(name):
    assert mask_name(name) == name[0] + "*" * (len(name) - 1)


@given(phones)
def test_log_scrubber_removes_phones(phone):
    assert phone not in scrub(f"市民 {phone} 来电反映")


def test_log_filter_scrubs_formatted_arguments():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "caller %s id %s", ("13912345678", "110101199003071234"), None
    )
    PiiFilter().filter(record)
    text = record.getMessage()
    assert "13912345678" not in text
    assert "19900307" not in text


def test_worker_log_lines_are_printed_once_and_through_the_personal_data_filter():
    # run_huey adds its own unfiltered handler to the "huey" logger only when it has none
    logger = logging.getLogger("huey")
    assert logger.handlers and not logger.propagate
    assert all(any(isinstance(f, PiiFilter) for f in handler.filters) for handler in logger.handlers)


@pytest.mark.django_db
def test_user_phone_is_encrypted_at_rest_and_searchable_by_hash():
    user = UserFactory(phone="139-1234-5678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        raw = cursor.fetchone()[0]
    assert "5678" not in raw
    assert User.objects.get(pk=user.pk).phone == "139-1234-5678"
    assert User.objects.filter(phone_hash=phone_index("13912345678")).get() == user


@pytest.mark.django_db
def test_a_refused_request_is_logged_as_one_line_without_a_traceback(client, caplog):
    client.force_login(UserFactory(username="plain_handler", roles="handler"))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/analysis/replies/")
    assert response.status_code == 403
    refused = [r for r in caplog.records if r.name == "django.request" and r.status_code == 403]
    assert refused and all(r.exc_info is None for r in refused)


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", None, sys.exc_info())
    record.status_code = 500
    ClientErrorFilter().filter(record)
    assert record.exc_info is not None
