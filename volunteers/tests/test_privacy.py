import logging

import pytest
from django.db import connection

from core.logging import PersonalDataFilter
from volunteers.tests.factories import make_volunteer

pytestmark = pytest.mark.django_db


def test_raw_sql_shows_no_id_number_mobile_or_address_in_clear():
    v = make_volunteer(address="广东省广州市越秀区东风中路350号")
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM volunteers_volunteer WHERE id = %s", [v.pk])
        row = " ".join(str(c) for c in cur.fetchone())
    assert v.id_number not in row
    assert v.id_number[:-1] not in row  # not even without its check digit
    assert v.mobile not in row
    assert "东风中路" not in row
    # and the service still reads them back
    v.refresh_from_db()
    assert len(v.id_number) == 18 and v.mobile.startswith("138")


def test_the_audit_log_holds_only_masked_numbers():
    from core.models import AuditLog

    v = make_volunteer()
    with connection.cursor() as cur:
        cur.execute("SELECT data, reason FROM core_auditlog")
        dump = " ".join(str(r) for r in cur.fetchall())
    assert v.id_number not in dump
    assert AuditLog.objects.filter(action="volunteer_register").exists()


def test_a_log_record_with_an_id_number_comes_out_masked(caplog):
    logger = logging.getLogger("test.privacy")
    handler_records = []

    class Capture(logging.Handler):
        def emit(self, record):
            handler_records.append(self.format(record))

    h = Capture()
    h.addFilter(PersonalDataFilter())
    logger.addHandler(h)
    try:
        logger.warning(
            "lookup %s mobile %s card %s",
            "44010319950615123X",
            "13812345678",
            "6216610200001234567",
        )
        try:
            raise ValueError("bad id 440103199506151234")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(h)
    text = "\n".join(handler_records)
    assert "44010319950615123X" not in text and "4401**********123X" in text
    assert "13812345678" not in text and "138****5678" in text
    assert "6216610200001234567" not in text and "621661*********4567" in text
    assert "440103199506151234" not in text


def test_the_configured_console_handler_masks(capsys):
    from django.conf import settings

    assert "mask_personal_data" in settings.LOGGING["handlers"]["console"]["filters"]
