"""The table of a `bin/loadtest` run, and the check that nothing the users saved was lost."""

import csv
import email
import email.policy
import json
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from k0.bench.management.commands.loadtest_prepare import NOTE_MARK
from k0.cases.models import CaseNote, FollowUp

SAVES = {"save note": "notes", "save follow-up": "follow_ups"}


def read_stats(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def saved_by_tool(results: dict) -> Counter:
    """Saves the tool counted over the whole run, ramp-up included: answered with the app's
    redirect after a saved form, less those whose next page did not say "Saved"."""
    return Counter(
        {SAVES[name]: n for name, n in results.get("saves", {}).items() if name in SAVES}
    )


def duplicate_mails(folder: Path) -> int:
    """Messages sent more than once: the same recipients, subject and body."""
    seen = Counter()
    for path in folder.glob("*.log"):
        for raw in path.read_text(errors="replace").split("\n" + "-" * 79 + "\n"):
            if raw.strip():
                message = email.message_from_string(raw.strip(), policy=email.policy.default)
                body = message.get_body(("plain",))
                text = body.get_content()[:500] if body is not None else ""
                seen[(message["To"], message["Subject"], text)] += 1
    return sum(n - 1 for n in seen.values() if n > 1)


class Command(BaseCommand):
    help = "Prints the figures of a bin/loadtest run and checks that every save is stored."

    def add_arguments(self, parser):
        parser.add_argument("--results", type=Path, required=True)
        parser.add_argument("--users", type=int, nargs="+", required=True)

    def handle(self, *args, results, users, **options):
        tool_saves = Counter()
        for n in users:
            stats = results / f"u{n}_stats.csv"
            if not stats.exists():
                raise CommandError(f"{stats} is missing: the run with {n} users did not finish.")
            rows = read_stats(stats)
            measured = results / f"u{n}_timing.json"
            own = json.loads(measured.read_text()) if measured.exists() else {}
            tool_saves += saved_by_tool(own)
            self._table(n, rows, own.get("timing", {}))

        before = json.loads((results / "before.json").read_text())
        stored = {
            "notes": CaseNote.objects.filter(text__startswith=NOTE_MARK).count() - before["notes"],
            "follow_ups": FollowUp.objects.filter(pk__gt=before["last_follow_up"]).count(),
        }
        duplicates = duplicate_mails(results / "mail")
        self.stdout.write("\nNothing lost:")
        lost = False
        for kind in SAVES.values():
            ok = stored[kind] == tool_saves[kind]
            lost |= not ok
            self.stdout.write(
                f"  {kind:<11} saved by the tool {tool_saves[kind]:>6}, in the database "
                f"{stored[kind]:>6}  {'ok' if ok else 'DIFFERENT'}"
            )
        self.stdout.write(f"  e-mails sent twice: {duplicates}")
        if lost or duplicates:
            raise CommandError("Saves and stored rows differ, or an e-mail went out twice.")

    def _table(self, n, rows, timing):
        total = next((r for r in rows if r["Name"] == "Aggregated"), None)
        self.stdout.write(
            f"\n{n} users: {float(total['Requests/s']):.1f} requests/s, "
            f"{total['Failure Count']} errors of {total['Request Count']} requests"
            if total
            else f"\n{n} users"
        )
        self.stdout.write(
            f"  {'page kind':<32} {'requests':>8} {'errors':>6} {'median':>7} {'p95':>7}"
            f" {'app':>6} {'db':>6} {'wait':>6}"
        )
        for row in sorted(rows, key=lambda r: r["Name"]):
            if row["Name"] == "Aggregated":
                continue
            count, response, app, db = timing.get(row["Name"], [0, 0, 0, 0])
            means = (
                f" {app / count:>5.0f}  {db / count:>5.0f}  {(response - app) / count:>5.0f}"
                if count
                else ""
            )
            self.stdout.write(
                f"  {row['Name'][:32]:<32} {row['Request Count']:>8} {row['Failure Count']:>6}"
                f" {row['50%']:>5} ms {row['95%']:>5} ms{means}"
            )
        self.stdout.write(
            "  (after every user has logged in; app, db, wait: mean ms per request, wait ="
            " queue for a free worker)"
        )
