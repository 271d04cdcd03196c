"""`manage.py export_indicators`: the indicators of a period, for operators on the server.

An ended calendar or school year is exported exactly as published (its frozen figures,
frozen now if nobody has looked at it yet). A period that has not ended is refused unless
`--unfinished` is given: its figures still change, and two exports of it a day apart would
show the cases of that day. Free ranges are allowed with a warning, and never frozen.
"""

import argparse
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from k0.indicators.definitions import BREAKDOWNS
from k0.indicators.exports import FORMATS, build_export
from k0.indicators.periods import (
    FIRST_DAY,
    Period,
    calendar_year,
    date_range,
    has_ended,
    school_year,
)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def period_for(start: dt.date, end: dt.date) -> Period:
    """The calendar or school year that `start`..`end` is exactly, else a free range."""
    for fixed in (calendar_year(start.year), school_year(start.year)):
        if (fixed.start, fixed.end) == (start, end):
            return fixed
    return date_range(start, end)


class Command(BaseCommand):
    help = (
        "Exports the anonymised indicators of a period, suppressed exactly as on the "
        "programme-office pages, as CSV, XLSX or JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="start",
            type=_date,
            required=True,
            metavar="YYYY-MM-DD",
            help="first day of the period (included)",
        )
        parser.add_argument(
            "--to",
            dest="end",
            type=_date,
            required=True,
            metavar="YYYY-MM-DD",
            help="last day of the period (included)",
        )
        parser.add_argument(
            "--by",
            choices=list(BREAKDOWNS),
            default=None,
            help="breakdown besides the whole city (default: whole city only)",
        )
        parser.add_argument(
            "--format", dest="fmt", choices=list(FORMATS), required=True, help="file format"
        )
        parser.add_argument(
            "--output", metavar="FILE", help="file to write (default: standard output)"
        )
        parser.add_argument(
            "--unfinished",
            action="store_true",
            help=(
                "allow a period that has not ended yet (its figures still change: "
                "for internal use only, never to be published)"
            ),
        )

    def handle(self, *args, start, end, by, fmt, output, unfinished=False, **options):
        if start > end:
            raise CommandError(
                f"--from {start.isoformat()} is after --to {end.isoformat()}: "
                "the period would be empty."
            )
        today = timezone.localdate()
        if start < FIRST_DAY:
            raise CommandError(
                f"--from {start.isoformat()} is before {FIRST_DAY.isoformat()}: "
                "there are no K-0 records before it."
            )
        latest_end = dt.date(today.year + 1, 12, 31)
        if end > latest_end:
            raise CommandError(
                f"--to {end.isoformat()} is too far ahead: the latest end is "
                f"{latest_end.isoformat()}."
            )
        period = period_for(start, end)
        if not has_ended(period, today):
            if not unfinished:
                raise CommandError(
                    f"the period {start.isoformat()} – {end.isoformat()} has not ended yet: "
                    "only ended periods are published, because figures that still change "
                    "can be compared to reveal new cases. Give --unfinished to export it "
                    "anyway, for internal use."
                )
            self.stderr.write(
                "Note: the period has not ended yet. Its figures will still change: do not "
                "publish them, because two exports of it can be subtracted to reveal new cases."
            )
        if period.kind == "range":
            # Allowed for the operator (who can read the database anyway), but tables of
            # overlapping ranges can be subtracted to reveal small numbers: say so.
            self.stderr.write(
                "Note: this is not a calendar year or a school year. Do not publish tables of "
                "overlapping periods: their difference can reveal small numbers."
            )
        content, _content_type, _name = build_export(period, by, fmt)
        if output:
            try:
                with open(output, "wb") as file:
                    file.write(content)
            except OSError as error:
                raise CommandError(f"cannot write {output}: {error.strerror}") from None
            self.stderr.write(f"Wrote {len(content)} bytes to {output}.")
        elif fmt == "xlsx":
            stream = getattr(self.stdout._out, "buffer", None)
            if stream is None or getattr(self.stdout._out, "isatty", lambda: False)():
                raise CommandError("XLSX is a binary file: give --output FILE.")
            stream.write(content)
            stream.flush()
        else:
            self.stdout.write(content.decode("utf-8-sig"), ending="")
        return None
