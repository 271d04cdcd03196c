"""Path converters shared by the apps' URL confs.

A case reference reaches the database in every case URL. With the default `str` converter
anything but a slash got through, and on PostgreSQL a NUL byte (`/cases/%00/`) made the
query itself fail, a 500 instead of a 404. The strict converter below only lets through what
`ReferenceCounter.next_reference` writes, so anything else never resolves: 404 on every
database, before any view or query runs.
"""

from django.urls import register_converter


class CaseReferenceConverter:
    # `K0-<year>-<number>` as `ReferenceCounter.next_reference` formats it: the year without
    # padding (a date's year, 1-9999: cases referred before the date range checks existed
    # stay reachable), the number zero-padded to four digits and longer past 9999, within
    # the 20 characters of `Case.reference`.
    regex = r"K0-[1-9][0-9]{0,3}-[0-9]{4,12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# Registered once, here; every URL conf that takes a reference imports this module.
register_converter(CaseReferenceConverter, "caseref")
