import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from k0.bench.seed import BENCH_PASSWORD, seed_bench


class Command(BaseCommand):
    help = (
        "Creates national-scale synthetic data for `bench`: schools with K-0 teams, "
        "principals and coordinators, and cases with parties, groups, interventions, "
        "agreements, follow-ups, notes, history and permissions (bulk inserts). Runs only "
        "with DEBUG=true, unless --allow-production is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, required=True)
        parser.add_argument("--cases", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="run with DEBUG=false too (on a database of its own): users get unusable "
            "passwords",
        )

    def handle(self, *args, schools, cases, seed, allow_production, **options):
        production = not settings.DEBUG
        if production and not allow_production:
            raise CommandError(
                "seed_bench creates thousands of users with a published password, so it runs "
                "only with DEBUG=true. To measure with production settings on a database of its "
                "own, add --allow-production: the users then get unusable passwords."
            )
        if schools < 1 or cases < 0:
            raise CommandError("--schools must be at least 1 and --cases at least 0.")
        started = time.perf_counter()

        def progress(message):
            self.stdout.write(f"  {message} ({time.perf_counter() - started:.0f} s)")

        result = seed_bench(
            schools=schools,
            cases=cases,
            seed=seed,
            progress=progress,
            password=None if production else BENCH_PASSWORD,
        )
        passwords = (
            "Bench users cannot log in (unusable passwords)."
            if production
            else f"Bench users' password: {BENCH_PASSWORD}"
        )
        self.stdout.write(
            f"Created {result['schools']} schools and {result['cases']} cases in "
            f"{time.perf_counter() - started:.0f} s. {passwords}"
        )
