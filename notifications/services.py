"""Writing mail into the outbox, sending it, digests, preferences and unsubscribing.

Apps that have something to tell call `notify` inside their own transaction; nothing here
knows what an assessment is, so every app may call it.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from organizations.models import User

from .models import Delivery, Kind, Mail, Preference

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# --- Preferences ---------------------------------------------------------------------------------


def deliveries(*, user: User) -> dict[str, str]:
    """How the person wants every kind of mail (right away unless they chose otherwise)."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, Delivery.NOW) for kind in Kind.values}


@transaction.atomic
def preferences_save(*, user: User, choices: dict[str, str]) -> list[str]:
    """Store the person's choice per kind; returns the kinds that changed."""
    before = deliveries(user=user)
    changed = [k for k, v in choices.items() if k in before and before[k] != v]
    for kind in changed:
        Preference.objects.update_or_create(
            user=user, kind=kind, defaults={"delivery": choices[kind]}
        )
    return changed


def unsubscribe_token(*, user: User, kind: str) -> str:
    """A signed token naming the person and the kind: the link works without signing in."""
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


ALL_KINDS = "all"  # a digest's link: it mixes kinds, so it stops them all


@dataclass(frozen=True)
class Unsubscription:
    user: User
    kind: str  # a Kind, or ALL_KINDS

    @property
    def label(self) -> str:
        return (
            "every mail from us"
            if self.kind == ALL_KINDS
            else f"mail when: {Kind(self.kind).label.lower()}"
        )


def unsubscription(token: str) -> Unsubscription | None:
    """Who and what a token unsubscribes, or None for a forged or broken one."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        kind = str(data["k"])
        if kind != ALL_KINDS:
            Kind(kind)
        user = User.objects.get(pk=int(data["u"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        return None
    return Unsubscription(user, kind)


@transaction.atomic
def unsubscribe(target: Unsubscription) -> None:
    """Never mail this kind (or any kind) to the person again; unsent ones are dropped."""
    kinds = Kind.values if target.kind == ALL_KINDS else [target.kind]
    for kind in kinds:
        Preference.objects.update_or_create(
            user=target.user, kind=kind, defaults={"delivery": Delivery.NEVER}
        )
    Mail.objects.filter(recipient=target.user, kind__in=kinds, sent_at__isnull=True).delete()


# --- The outbox ----------------------------------------------------------------------------------


def notify(
    *,
    kind: Kind,
    recipients: Iterable[User],
    subject: str,
    body: str,
    path: str = "",
    key: str | None = None,
    exclude: User | None = None,
) -> list[Mail]:
    """Put one mail per recipient in the outbox (by their preference: now, digest or none)
    and send the immediate ones once the caller's transaction commits.

    `key` makes it a reminder: a recipient who already has a mail with that key gets none.
    """
    people = {u.pk: u for u in recipients if u.is_active and (exclude is None or u != exclude)}
    if not people:
        return []
    chosen = dict(
        Preference.objects.filter(user_id__in=people, kind=kind).values_list("user_id", "delivery")
    )
    made = []
    for pk, user in people.items():
        delivery = chosen.get(pk, Delivery.NOW)
        if delivery == Delivery.NEVER:
            continue
        mail = Mail(
            recipient=user,
            kind=kind,
            subject=subject[:200],
            body=body,
            path=path,
            key=f"{key}:{pk}" if key else None,
            digest=delivery == Delivery.DIGEST,
        )
        if key:
            try:
                with transaction.atomic():  # a savepoint: a repeated key leaves the rest intact
                    mail.save()
            except IntegrityError:
                continue
        else:
            mail.save()
        made.append(mail)
    now = [m.pk for m in made if not m.digest]
    if now:
        transaction.on_commit(lambda: _hand_over(now))
    return made


def _hand_over(mail_ids: list[int]) -> None:
    from .tasks import deliver_mail  # the task module imports this one

    for pk in mail_ids:
        try:
            deliver_mail.apply_async(args=(pk,), retry=False)
        except Exception as exc:  # broker unreachable: the sweep sends it later
            logger.warning("Mail %s stays in the outbox: the broker refused it (%r).", pk, exc)


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


def keys_sent(*, prefix: str) -> set[str]:
    """Reminder keys already in the outbox that start with `prefix` (sent or waiting)."""
    keys = Mail.objects.filter(key__startswith=prefix).values_list("key", flat=True)
    return {k for k in keys if k}
