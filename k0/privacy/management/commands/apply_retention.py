from django.conf import settings
from django.core.management.base import BaseCommand

from k0.privacy.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Closes open cases without activity for CASE_INACTIVE_DAYS whose notice period "
        "(CASE_INACTIVE_GRACE_DAYS) is over, announces newly inactive ones, and pseudonymises "
        "the personal data of cases closed more than RETENTION_YEARS ago (the same code as the "
        "nightly task). Indicators are not affected."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="list what would change, per school, and change nothing",
        )

    def handle(self, *args, dry_run, **options):
        report = apply_retention(dry_run=dry_run)
        inactive = report.inactive
        verb = "Would close" if dry_run else "Closed"
        self.stdout.write(
            f"{verb} {len(inactive.closed)} open case(s) without activity as discontinued."
        )
        for reference in inactive.closed:
            self.stdout.write(f"  {reference}")
        verb = "Would announce" if dry_run else "Announced"
        self.stdout.write(f"{verb} {len(inactive.announced)} newly inactive open case(s).")
        for reference, last, closes_on in inactive.announced:
            self.stdout.write(f"  {reference}: last activity {last}, to be closed on {closes_on}")
        verb = "Would pseudonymise" if dry_run else "Pseudonymised"
        done = report.total if dry_run else report.done
        self.stdout.write(
            f"{verb} {done} case(s) closed more than {settings.RETENTION_YEARS} years ago."
        )
        for school, count in sorted(report.per_school.items()):
            self.stdout.write(f"  {school}: {count}")
