"""iCalendar (RFC 5545/5546) documents: meeting invitations and follow-up calendars.

Like e-mails, calendar entries leave the system (they sync to phones and are often shared
with colleagues), so they hold the case reference and a link only, and are marked
CLASS:PRIVATE so a shared calendar shows just "busy". Times are written in UTC, which
every client converts to local time correctly, without a VTIMEZONE block.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from email.mime.text import MIMEText
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//City of Helsinki//K-0//EN"

logger = logging.getLogger(__name__)


def uid_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "k0.invalid"


def _calendar(method: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


def _address(email: str, **params) -> vCalAddress:
    # Addresses only, no CN: a display name is a person's name, and none is needed.
    address = vCalAddress(f"mailto:{email}")
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def sender_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "k0-noreply@localhost"


def meeting(
    *,
    method: str,
    uid: str,
    sequence: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reference: str,
    url: str,
    organizer: str,
    attendees: Iterable[str],
) -> bytes:
    """A VEVENT for a K-0 meeting; `method` is REQUEST (new or updated) or CANCEL.

    Call inside `translation.override(recipient.language)`: the summary is translated.
    """
    cal = _calendar(method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", starts_at.astimezone(dt.UTC))
    event.add("dtend", ends_at.astimezone(dt.UTC))
    event.add("summary", _("K-0 meeting %(reference)s") % {"reference": reference})
    event.add("description", _("Details in K-0: %(url)s") % {"url": url})
    event.add("url", url)
    event.add("class", "PRIVATE")
    event.add("transp", "OPAQUE")
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("organizer", _address(organizer))
    for email in attendees:
        event.add(
            "attendee",
            _address(email, ROLE="REQ-PARTICIPANT", PARTSTAT="NEEDS-ACTION", RSVP="FALSE"),
        )
    cal.add_component(event)
    return cal.to_ical()


def follow_up_calendar(items: Iterable[dict]) -> bytes:
    """All-day events for follow-ups; each item has uid, due_date, reference and url."""
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", _("K-0 follow-ups"))
    stamp = timezone.now().astimezone(dt.UTC)
    for item in items:
        try:
            ends_on = item["due_date"] + dt.timedelta(days=1)
        except OverflowError:
            # 9999-12-31, stored past the model's range check (e.g. by a bulk update): one
            # impossible entry must not cost the user the whole calendar.
            logger.warning("Left %s out of a follow-up calendar: date out of range.", item["uid"])
            continue
        event = Event()
        event.add("uid", item["uid"])
        event.add("dtstamp", stamp)
        event.add("dtstart", item["due_date"])
        event.add("dtend", ends_on)
        event.add("summary", _("K-0 follow-up %(reference)s") % {"reference": item["reference"]})
        event.add("description", _("Details in K-0: %(url)s") % {"url": item["url"]})
        event.add("url", item["url"])
        event.add("class", "PRIVATE")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()


def as_attachment(data: bytes, *, method: str, filename: str = "invitation.ics") -> MIMEText:
    """A text/calendar part with the METHOD parameter mail clients look for."""
    part = MIMEText(data.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part
