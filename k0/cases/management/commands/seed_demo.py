from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from k0 import demo


class Command(BaseCommand):
    help = (
        "Creates fictional demo data (idempotent: a second run creates nothing new). Runs only "
        "with DEBUG=true, unless --allow-production is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="run with DEBUG=false too: new users then get random passwords, printed once",
        )

    def handle(self, *args, allow_production, **options):
        production = not settings.DEBUG
        if production and not allow_production:
            raise CommandError(
                "seed_demo creates fictional users, one of them a superuser, with a published "
                "password, so it runs only with DEBUG=true. To put demo data into a set-up with "
                "DEBUG=false on purpose, add --allow-production: new users then get random "
                "passwords, printed once."
            )
        created, passwords = demo.seed(random_passwords=production)
        summary = ", ".join(f"{key} {value}" for key, value in created.items())
        self.stdout.write(f"Demo data ready (created now: {summary}).")
        self.stdout.write("")
        self.stdout.write(f"Open {settings.SITE_URL}/ and log in as:")
        for username, description in demo.login_table():
            password = passwords.get(username)
            if production:
                password = f"password {password}" if password else "password unchanged"
                self.stdout.write(f"  {username:<8} {description:<28} {password}")
            else:
                self.stdout.write(f"  {username:<8} {description}")
        if production:
            self.stdout.write("New passwords are shown only this once.")
        else:
            self.stdout.write(f"Password for every demo user: {demo.DEMO_PASSWORD}")
        if settings.TWO_FACTOR_REQUIRED:
            codes = demo.issue_enrolment_codes()
            if codes:
                self.stdout.write("")
                self.stdout.write(
                    "Two-factor log-in is on. After the password, each user sets up an "
                    "authenticator app with their one-time enrolment code:"
                )
                for username, code in codes:
                    self.stdout.write(f"  {username:<8} {code}")
