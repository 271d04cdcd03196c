"""Proposes likely duplicate person records to the administrators (never merges)."""

from django.core.management.base import BaseCommand

from k0.cases.persons import propose_duplicates


class Command(BaseCommand):
    help = (
        "Proposes pairs of person records that may be one person (same learner number, or "
        "same name and year of birth) for an administrator to review under Privacy → "
        "Possible duplicates. Nothing is merged."
    )

    def handle(self, *args, **options):
        new = propose_duplicates()
        self.stdout.write(f"{new} new possible duplicate(s) proposed.")
