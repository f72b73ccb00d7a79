"""Pluggable real-name verification (the police system's check in production).

``settings.REAL_NAME_BACKEND`` names the class. The default trusts what the identity rules
already proved for mainland ID cards and leaves every other ID type to be verified by hand
by an admin of one of the volunteer's organisations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from volunteers.identity import IdType


@dataclass(frozen=True)
class VerificationResult:
    status: str  # "verified" | "pending" | "failed"
    note: str = ""


class RealNameBackend(Protocol):
    def verify(self, *, id_type: str, id_number: str, name: str) -> VerificationResult: ...


class LocalRulesBackend:
    def verify(self, *, id_type: str, id_number: str, name: str) -> VerificationResult:
        if id_type == IdType("01"):
            return VerificationResult("verified", "居民身份证自动核验通过")
        return VerificationResult("pending", "请联系归属组织管理员人工核验证件")


def get_backend() -> RealNameBackend:
    return import_string(settings.REAL_NAME_BACKEND)()
