"""Bounded input fields, the query-string parser, the paginator and the JSON parser every API
uses, so that no input reaches the database or date arithmetic out of range (a 500 there).

DRF's ``CharField`` already refuses NUL characters (PostgreSQL cannot store them); the
numbers, dates and page sizes below get the bounds DRF leaves open."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.pagination import LimitOffsetPagination

# PostgreSQL's bigint: ids and counts beyond it cannot be stored or compared.
ID_MAX = 2**63 - 1
# Dates outside these years are typing mistakes; inside them date arithmetic never overflows.
YEAR_MIN, YEAR_MAX = 1900, 2199
# How deep a JSON body may nest; ours are at most two levels deep.
JSON_MAX_DEPTH = 32


class IdField(serializers.IntegerField):
    """A database id (or any positive count) that fits PostgreSQL's bigint."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


def _year_error(value: dt.date) -> str | None:
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        return f"年份应在 {YEAR_MIN} 至 {YEAR_MAX} 之间"
    return None


class DateField(serializers.DateField):
    """A date between the years ``YEAR_MIN`` and ``YEAR_MAX``."""

    def to_internal_value(self, value: Any) -> dt.date:
        date = super().to_internal_value(value)
        if (error := _year_error(date)) is not None:
            raise serializers.ValidationError(error, code="year_out_of_range")
        return date


class DateTimeField(serializers.DateTimeField):
    """A moment between the years ``YEAR_MIN`` and ``YEAR_MAX``."""

    def to_internal_value(self, value: Any) -> dt.datetime:
        moment = super().to_internal_value(value)
        if (error := _year_error(moment)) is not None:
            raise serializers.ValidationError(error, code="year_out_of_range")
        return moment


class FormIdField(forms.IntegerField):
    """The form twin of ``IdField``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


def parse_query(serializer_class: type[serializers.Serializer], request: Any) -> dict[str, Any]:
    """Validate ``request.query_params`` with ``serializer_class``: a bad value is a 400
    naming the parameter, never a 500 further down."""
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


class Pagination(LimitOffsetPagination):
    """``?limit=`` at most ``API_MAX_PAGE_SIZE``; an offset beyond bigint is refused."""

    default_limit = settings.REST_FRAMEWORK.get("PAGE_SIZE", 50)
    max_limit = getattr(settings, "API_MAX_PAGE_SIZE", 200)

    def get_offset(self, request: Any) -> int:
        offset = super().get_offset(request)
        return min(offset, ID_MAX)


def _check_depth(value: Any, depth: int = 0) -> None:
    if depth > JSON_MAX_DEPTH:
        raise ParseError(f"JSON 嵌套过深（最多 {JSON_MAX_DEPTH} 层）")
    if isinstance(value, dict):
        for item in value.values():
            _check_depth(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_depth(item, depth + 1)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with a depth limit: deep nesting is a 400, not a RecursionError."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON 嵌套过深（最多 {JSON_MAX_DEPTH} 层）")
        _check_depth(data)
        return data
