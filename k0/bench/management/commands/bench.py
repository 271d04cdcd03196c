import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from k0.bench.measure import run
from k0.cases.models import Case


class Command(BaseCommand):
    help = (
        "Measures server time (median, p95) and SQL queries of the pages that must stay "
        "fast, on the current data (see seed_bench). Prints a table, or JSON with --json."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--samples", type=int, default=10)
        parser.add_argument("--warmup", type=int, default=2)
        parser.add_argument(
            "--only", default="", help="comma-separated figure names to measure (default: all)"
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="run with DEBUG=false too, on a database of its own (it writes to the data)",
        )

    def handle(self, *args, samples, warmup, allow_production, **options):
        if not settings.DEBUG and not allow_production:
            # It logs users in (sessions, log-in records), opens cases (access log rows) and
            # pads the first open case to a 300-entry timeline with invented notes: never on
            # the live database.
            raise CommandError(
                "bench writes to the database it measures (sessions, access log, notes added to "
                "a case), so it runs only with DEBUG=true. To measure with production settings "
                "on a database of its own (seed_bench --allow-production), add "
                "--allow-production."
            )
        if not Case.objects.exists():
            raise CommandError("No cases to measure: run seed_bench first.")
        only = {name.strip() for name in options["only"].split(",") if name.strip()} or None
        result = run(samples=samples, warmup=warmup, only=only)
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        data = result["data"]
        self.stdout.write(
            f"{result['database']}: {data['cases']} cases, {data['parties']} "
            f"parties, {data['schools']} schools with cases"
        )
        self.stdout.write(
            f"{'page':<28}{'median ms':>10}{'p95 ms':>9}{'queries':>9}{'target':>9}  ok"
        )
        for f in result["figures"]:
            ok = {True: "yes", False: "NO", None: "-"}[f["meets_target"]]
            target = f"{f['target_ms']:.0f}" if f["target_ms"] else "-"
            self.stdout.write(
                f"{f['name']:<28}{f['median_ms']:>10.1f}{f['p95_ms']:>9.1f}"
                f"{f['queries']:>9}{target:>9}  {ok}"
            )
        frozen = result["frozen_report"]
        if frozen is not None:
            self.stdout.write(
                f"indicator report for a second viewer {frozen['frozen_ms']} ms vs fresh "
                f"{frozen['fresh_ms']} ms: {frozen['share']:.1%} "
                f"(target ≤ {frozen['target_share']:.0%})"
            )
        distinct = result["distinct_counting"]
        if distinct is not None:
            self.stdout.write(
                f"indicators with distinct persons: a year {distinct['year_ms']} ms "
                f"(target ≤ {distinct['target_year_ms']} ms), four years as one range "
                f"{distinct['four_years_ms']} ms; reading the year's "
                f"{distinct['party_rows_year']} party rows {distinct['party_rows_ms']} ms"
            )
        ratio = result["indicators_vs_sql"]
        if ratio is None:
            return
        self.stdout.write(
            f"indicators {ratio['indicator_ms']} ms vs hand-written SQL "
            f"{ratio['hand_sql_ms']} ms: ratio {ratio['ratio']} "
            f"(target ≤ {ratio['target_ratio']}); its own {ratio['own_sql_queries']} "
            f"queries alone take {ratio['own_sql_ms']} ms in the database "
            f"(report / own SQL {ratio['own_sql_ratio']})"
        )
