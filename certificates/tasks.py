"""Celery entry points for certificates: thin, idempotent (the Certificate row is the truth)."""

from __future__ import annotations

from celery import shared_task

from certificates import services


@shared_task(acks_late=True)
def certificate_render_task(certificate_id: int) -> str:
    """Render one certificate; returns its status. No retries: nothing here is network I/O."""
    return services.certificate_render(certificate_id=certificate_id).status
