import argparse
import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from k0.indicators.definitions import BREAKDOWNS
from k0.indicators.exports import FORMATS, build_export
from k0.indicators.periods import Period, calendar_year, date_range, school_year


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

    def handle(self, *args, start, end, by, fmt, output, **options):
        if start > end:
            raise CommandError(
                f"--from {start.isoformat()} is after --to {end.isoformat()}: "
                "the period would be empty."
            )
        period = period_for(start, end)
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
