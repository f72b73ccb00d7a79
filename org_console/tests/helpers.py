"""Helpers for the console tests."""

from __future__ import annotations

from django.test import Client


def as_user(user) -> Client:
    """A browser logged in as ``user``."""
    c = Client()
    c.force_login(user)
    return c
