"""manage.py send_reminders [--date YYYY-MM-DD] [--digest] — the daily task's code, by hand."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from k0.reminders.services import run_daily


class Command(BaseCommand):
    help = (
        "Sends the follow-up reminders of a day (default: today, Helsinki time) and, on the "
        "digest weekday or with --digest, the weekly digests. Safe to run again: nothing is "
        "sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=dt.date.fromisoformat,
            help="Run as on this day (YYYY-MM-DD); default today.",
        )
        parser.add_argument(
            "--digest",
            action="store_true",
            help="Send the weekly digests whatever the weekday.",
        )

    def handle(self, *args, date=None, digest=False, **options):
        today = timezone.localdate()
        if date and date > today:
            raise CommandError(f"--date {date} is in the future.")
        summary = run_daily(today=date or today, digest=True if digest else None)
        self.stdout.write(
            f"{summary.reminders_recorded} reminder(s) recorded, "
            f"{summary.reminder_emails} reminder e-mail(s) and "
            f"{summary.digests} digest(s) sent."
        )
        if summary.failed:
            raise CommandError(
                f"{summary.failed} e-mail(s) could not be sent; they are retried with back-off "
                "(see the reminder log in the admin)."
            )
