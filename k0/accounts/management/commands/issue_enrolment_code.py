from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from k0.accounts.models import EnrolmentCode


class Command(BaseCommand):
    help = (
        "Issues a one-time two-factor enrolment code to each named user and prints it (only "
        "this once: only a hash is stored). An earlier unused code of the user stops working."
    )

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="+", metavar="username")

    def handle(self, *args, usernames, **options):
        User = get_user_model()
        users = {user.username: user for user in User.objects.filter(username__in=usernames)}
        missing = [name for name in usernames if name not in users]
        if missing:
            raise CommandError(f"No such user: {', '.join(missing)}. Nothing was issued.")
        for name in usernames:
            code, raw = EnrolmentCode.issue(users[name])
            expires = timezone.localtime(code.expires_at).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"{name}: {raw} (valid until {expires})")
