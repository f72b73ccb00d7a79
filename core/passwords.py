"""Password validators whose messages Django's zh-hans catalogue lacks.

Django 5.2 reworded MinimumLengthValidator's error (``%d`` instead of ``%(min_length)d``)
and its Simplified Chinese translation was not updated, so the message came out in English.
"""

from __future__ import annotations

from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with the error in Chinese."""

    def get_error_message(self) -> str:
        return f"密码长度太短。密码必须包含至少 {self.min_length} 个字符。"
