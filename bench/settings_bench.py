"""Settings for the load benchmark: the project's settings, production-like (no DEBUG, no
per-query bookkeeping) and with a URLconf that adds a bare view to compare against."""

from config.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.bare_urls"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# The load generator is one client hammering look-ups: no throttles here.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])  # noqa: F405
LOGGING["loggers"] = {"django.request": {"level": "ERROR"}}  # noqa: F405  (404s are expected)
