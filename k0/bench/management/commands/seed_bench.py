import time

from django.core.management.base import BaseCommand, CommandError

from k0.bench.seed import BENCH_PASSWORD, seed_bench


class Command(BaseCommand):
    help = (
        "Creates national-scale synthetic data for `bench`: schools with K-0 teams, "
        "principals and coordinators, and cases with parties, groups, interventions, "
        "agreements, follow-ups, notes, history and permissions (bulk inserts)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, required=True)
        parser.add_argument("--cases", type=int, required=True)
        parser.add_argument("--seed", type=int, default=2026, help="random seed")

    def handle(self, *args, schools, cases, seed, **options):
        if schools < 1 or cases < 0:
            raise CommandError("--schools must be at least 1 and --cases at least 0.")
        started = time.perf_counter()

        def progress(message):
            self.stdout.write(f"  {message} ({time.perf_counter() - started:.0f} s)")

        result = seed_bench(schools=schools, cases=cases, seed=seed, progress=progress)
        self.stdout.write(
            f"Created {result['schools']} schools and {result['cases']} cases in "
            f"{time.perf_counter() - started:.0f} s. Bench users' password: {BENCH_PASSWORD}"
        )
