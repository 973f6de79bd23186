"""Sending what the outbox holds: one mail, the sweep of what stayed, the daily digests.

Celery's tasks call these; notify() in services.py hands each new mail to a task.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from organizations.models import User

from .models import Kind, Mail

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
ALL_KINDS = "all"  # a digest's link: it mixes kinds, so it stops them all


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_token(*, user: User, kind: str) -> str:
    """A signed token naming the person and the kind: the link works without signing in."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def _message(
    *, to: User, kind: str, subject: str, context: dict[str, object]
) -> EmailMultiAlternatives:
    token = unsubscribe_token(user=to, kind=kind)
    unsubscribe_url = site_url(reverse("notifications:unsubscribe", args=[token]))
    context = {
        **context,
        "recipient": to,
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": site_url(reverse("notifications:preferences")),
        "kind_label": "every mail" if kind == ALL_KINDS else Kind(kind).label.lower(),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("notifications/mail.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string("notifications/mail.html", context), "text/html")
    return message


def _entry(mail: Mail) -> dict[str, object]:
    return {
        "subject": mail.subject,
        "body": mail.body,
        "url": site_url(mail.path) if mail.path else "",
    }


def mail_deliver(*, mail_id: int) -> bool:
    """Send one mail of the outbox if nobody has; True once it is sent."""
    with transaction.atomic():
        mail = (
            Mail.objects.select_for_update(skip_locked=True)
            .select_related("recipient")
            .filter(pk=mail_id, sent_at__isnull=True, digest=False)
            .first()
        )
        if mail is None:  # sent already, or another worker is sending it
            return False
        message = _message(
            to=mail.recipient,
            kind=mail.kind,
            subject=mail.subject,
            context={"entries": [_entry(mail)]},
        )
        try:
            message.send()
        except Exception as exc:  # the SMTP server is down: the sweep tries again
            mail.attempts += 1
            mail.last_error = repr(exc)[:300]
            mail.save(update_fields=["attempts", "last_error"])
            logger.warning("Mail %s not sent (%r); it stays in the outbox.", mail.pk, exc)
            return False
        mail.sent_at = timezone.now()
        mail.attempts += 1
        mail.save(update_fields=["sent_at", "attempts"])
    return True


def mails_waiting(*, older_than: timedelta) -> list[int]:
    """Immediate mails still unsent after `older_than`: the broker or SMTP was down."""
    cutoff = timezone.now() - older_than
    return list(
        Mail.objects.filter(sent_at__isnull=True, digest=False, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:500]
    )


def mails_sweep(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Send what stayed in the outbox; returns how many were sent."""
    return sum(mail_deliver(mail_id=pk) for pk in mails_waiting(older_than=older_than))


def digests_send() -> int:
    """One mail per person with every digest mail waiting for them; returns how many sent."""
    waiting: dict[int, list[int]] = defaultdict(list)
    for pk, recipient_id in Mail.objects.filter(sent_at__isnull=True, digest=True).values_list(
        "pk", "recipient_id"
    ):
        waiting[recipient_id].append(pk)
    sent = 0
    connection = get_connection()
    for ids in waiting.values():
        with transaction.atomic():
            mails = list(
                Mail.objects.select_for_update(skip_locked=True)
                .select_related("recipient")
                .filter(pk__in=ids, sent_at__isnull=True)
                .order_by("kind", "created_at", "id")
            )
            if not mails:
                continue
            to = mails[0].recipient
            kinds = sorted({m.kind for m in mails})
            groups = [
                {"label": Kind(k).label, "entries": [_entry(m) for m in mails if m.kind == k]}
                for k in kinds
            ]
            count = len(mails)
            message = _message(
                to=to,
                kind=kinds[0] if len(kinds) == 1 else ALL_KINDS,
                subject=f"Your daily digest: {count} update{'s' if count != 1 else ''}",
                context={"groups": groups, "digest": True},
            )
            message.connection = connection
            try:
                message.send()
            except Exception as exc:
                logger.warning("Digest to %s not sent (%r); it waits for tomorrow.", to, exc)
                continue
            Mail.objects.filter(pk__in=[m.pk for m in mails]).update(sent_at=timezone.now())
            sent += 1
    return sent
