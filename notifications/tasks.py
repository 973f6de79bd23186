"""Celery tasks for mail: thin; ids in, services out."""

from datetime import timedelta

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .delivery import digests_send, mail_deliver, mails_sweep


@shared_task(
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def deliver_mail(mail_id: int) -> bool:
    return mail_deliver(mail_id=mail_id)


@shared_task(ignore_result=True)
def send_waiting_mail(older_than_seconds: int = 60) -> int:
    """Periodic: send what stayed in the outbox (the broker or SMTP server was down)."""
    return mails_sweep(older_than=timedelta(seconds=older_than_seconds))


@shared_task(ignore_result=True)
def send_digests() -> int:
    """Daily: one mail per person who chose digests."""
    return digests_send()
