from django.conf import settings
from django.core.management.base import BaseCommand

from k0 import demo


class Command(BaseCommand):
    help = "Creates fictional demo data (idempotent: a second run creates nothing new)."

    def handle(self, *args, **options):
        created = demo.seed()
        summary = ", ".join(f"{key} {value}" for key, value in created.items())
        self.stdout.write(f"Demo data ready (created now: {summary}).")
        self.stdout.write("")
        self.stdout.write(f"Open {settings.SITE_URL}/ and log in as:")
        for username, description in demo.login_table():
            self.stdout.write(f"  {username:<8} {description}")
        self.stdout.write(f"Password for every demo user: {demo.DEMO_PASSWORD}")
