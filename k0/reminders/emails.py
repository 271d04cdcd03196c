"""E-mails from templates in the recipient's language.

E-mails leave the system, so they carry case references, dates and links — never a child's
name or anything written about the case. The callers pass plain values (`Item` and friends),
never model instances: a template cannot reach `case.summary` or a party's name because it
is never given the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.mime.base import MIMEBase

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def case_link(reference: str, anchor: str = "") -> str:
    url = absolute(reverse("cases:detail", args=[reference]))
    return f"{url}#{anchor}" if anchor else url


@dataclass(frozen=True)
class FollowUpItem:
    reference: str
    due_date: date
    days_overdue: int
    url: str


@dataclass(frozen=True)
class CaseItem:
    reference: str
    phase: str  # a lazily translated label, rendered in the recipient's language
    next_follow_up: date | None
    overdue: int
    idle_days: int
    url: str


@dataclass(frozen=True)
class InactiveCaseItem:
    reference: str
    last_activity: date
    closes_on: date
    url: str


@dataclass(frozen=True)
class MeetingItem:
    reference: str
    starts_at: datetime
    ends_at: datetime
    url: str


def render_email(
    name: str,
    *,
    user,
    context: dict,
    attachments: tuple[MIMEBase, ...] = (),
) -> EmailMultiAlternatives:
    """Renders templates/emails/<name>-subject.txt, -body.txt and -body.html for `user`."""
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "greeting_name": user.first_name or user.username,
            "my_work_url": absolute(reverse("reminders:my_work")),
            "site_url": settings.SITE_URL,
            "language": language,
            **context,
        }
        subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
        text = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    for part in attachments:
        message.attach(part)
    return message
