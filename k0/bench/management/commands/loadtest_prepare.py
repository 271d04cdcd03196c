"""Gets `seed_bench` users ready for `bin/loadtest`: a password and an authenticator device
each, written to a file only the load tool reads, and the counts that the check compares."""

import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from k0.bench.seed import PREFIX
from k0.cases.models import CaseNote, FollowUp
from schools.models import Membership, Role

DEVICE_NAME = "load test"
NOTE_MARK = "Kuormitustesti"  # as in loadtest/locustfile.py
# Enough accounts for 100 simultaneous users in the locustfile's mix (12:1:3:1), so that no
# two simulated users log in with one account's code at the same time.
PER_ROLE = {Role.TEAM_MEMBER: 80, Role.COORDINATOR: 10, Role.PRINCIPAL: 20}
OFFICE_USERS = 10


class Command(BaseCommand):
    help = (
        "Gives seed_bench users a fresh random password and a two-factor device for the load "
        "test and writes them to --output (for the load tool only). Bench users only; runs "
        "with DEBUG=false only with --allow-production, and only on a database that holds "
        "nothing but seed_bench data. --undo takes the passwords and devices away again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=settings.VAR_DIR / "loadtest")
        parser.add_argument("--allow-production", action="store_true")
        parser.add_argument(
            "--undo", action="store_true", help="after the run: unusable passwords, no devices"
        )

    def handle(self, *args, output, allow_production, undo, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "loadtest_prepare gives bench users known passwords, so it runs only with "
                "DEBUG=true, or with --allow-production on a database of its own."
            )
        User = get_user_model()
        bench_users = User.objects.filter(username__startswith=f"{PREFIX}-")
        if undo:
            for user in bench_users.filter(totpdevice__name=DEVICE_NAME).distinct():
                user.set_unusable_password()
                user.save(update_fields=["password"])
            TOTPDevice.objects.filter(user__in=bench_users, name=DEVICE_NAME).delete()
            (output / "users.json").unlink(missing_ok=True)
            self.stdout.write("Load-test passwords and devices removed.")
            return
        others = User.objects.exclude(username__startswith=f"{PREFIX}-").count()
        if others:
            # A real user in the database means it is not a bench database of its own: known
            # passwords must never be given on a live one, whatever DATABASE_URL says.
            raise CommandError(
                f"This database has {others} users besides seed_bench's: the load test runs "
                "only on a database that holds nothing but seed_bench data."
            )
        chosen: list[tuple[object, str]] = []
        for role, count in PER_ROLE.items():
            members = (
                Membership.objects.filter(role=role, user__username__startswith=f"{PREFIX}-")
                .select_related("user")
                .order_by("user_id")
                .distinct()
            )
            seen = set()
            for membership in members:
                if membership.user_id not in seen:
                    seen.add(membership.user_id)
                    chosen.append((membership.user, role))
                if len(seen) == count:
                    break
        if not chosen:
            raise CommandError("No bench users: run seed_bench first.")
        with transaction.atomic():
            # Several programme-office users, so that simultaneous log-ins each have a code.
            for n in range(OFFICE_USERS):
                office, _ = User.objects.get_or_create(username=f"{PREFIX}-programme-office-{n}")
                Membership.objects.get_or_create(
                    user=office, school=None, role=Role.PROGRAMME_OFFICE
                )
                chosen.append((office, Role.PROGRAMME_OFFICE))
            listed = []
            for user, role in chosen:
                password = secrets.token_urlsafe(16)
                user.set_password(password)
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
                TOTPDevice.objects.filter(user=user).delete()
                device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
                listed.append(
                    {
                        "username": user.username,
                        "password": password,
                        "role": str(role),
                        "totp_key": device.key,
                    }
                )
        output.mkdir(parents=True, exist_ok=True)
        users_file = output / "users.json"
        users_file.touch(mode=0o600)
        os.chmod(users_file, 0o600)
        users_file.write_text(json.dumps(listed))
        (output / "before.json").write_text(
            json.dumps(
                {
                    "notes": CaseNote.objects.filter(text__startswith=NOTE_MARK).count(),
                    "last_follow_up": FollowUp.objects.order_by("-pk")
                    .values_list("pk", flat=True)
                    .first()
                    or 0,
                }
            )
        )
        self.stdout.write(f"{len(listed)} users ready in {users_file}")
