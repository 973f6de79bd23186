"""Celery tasks of the consortium app: thin; services do the work."""

from celery import shared_task

from .reminders import reminders_send


@shared_task(ignore_result=True)
def send_reminders() -> dict[str, int]:
    """Hourly (Celery beat): reminders due today that have not been sent yet."""
    sent = reminders_send()
    return {
        "cycle_due": sent.cycle_due,
        "plan_due": sent.plan_due,
        "plan_overdue": sent.plan_overdue,
        "review_waiting": sent.review_waiting,
        "rating_due": sent.rating_due,
    }
