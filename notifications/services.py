"""Writing mail into the outbox, preferences and unsubscribing (sending is delivery.py's).

Apps that have something to tell call `notify` inside their own transaction; nothing here
knows what an assessment is, so every app may call it.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, transaction

from organizations.models import User

from .delivery import ALL_KINDS, UNSUBSCRIBE_SALT
from .models import Delivery, Kind, Mail, Preference
from .tasks import deliver_mail

logger = logging.getLogger(__name__)

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
    for pk in mail_ids:
        try:
            deliver_mail.apply_async(args=(pk,), retry=False)
        except Exception as exc:  # broker unreachable: the sweep sends it later
            logger.warning("Mail %s stays in the outbox: the broker refused it (%r).", pk, exc)


def keys_sent(*, prefix: str) -> set[str]:
    """Reminder keys already in the outbox that start with `prefix` (sent or waiting)."""
    keys = Mail.objects.filter(key__startswith=prefix).values_list("key", flat=True)
    return {k for k in keys if k}
