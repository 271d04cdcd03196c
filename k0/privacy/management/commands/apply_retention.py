from django.conf import settings
from django.core.management.base import BaseCommand

from k0.privacy.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Pseudonymises the personal data of cases closed more than RETENTION_YEARS ago "
        "(the same code as the nightly task). Indicators are not affected."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="list what would change, per school, and change nothing",
        )
        parser.add_argument("--batch-size", type=int, default=50)

    def handle(self, *args, dry_run, batch_size, **options):
        report = apply_retention(dry_run=dry_run, batch_size=batch_size)
        verb = "Would pseudonymise" if dry_run else "Pseudonymised"
        done = report.total if dry_run else report.done
        self.stdout.write(
            f"{verb} {done} case(s) closed more than {settings.RETENTION_YEARS} years ago."
        )
        for school, count in sorted(report.per_school.items()):
            self.stdout.write(f"  {school}: {count}")
