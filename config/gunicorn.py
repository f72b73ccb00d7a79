"""gunicorn's configuration (``gunicorn -c config/gunicorn.py config.wsgi:application``).

Its access log prints the request line, which can hold a card QR token (``/q/<token>/``) or
an ID number in a query string; every access and error record goes through the same masking
filter as Django's logs."""

from __future__ import annotations

import os

from gunicorn.glogging import Logger

from core.logging import PersonalDataFilter

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 60
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"


class MaskingLogger(Logger):
    """gunicorn's logger with personal data and QR tokens masked in every line."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, PersonalDataFilter) for f in log.filters):
                log.addFilter(PersonalDataFilter())


logger_class = MaskingLogger
