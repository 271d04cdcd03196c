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

NOTE_MARK = "Kuormitustesti"  # as in loadtest/locustfile.py
PER_ROLE = {Role.TEAM_MEMBER: 150, Role.COORDINATOR: 20, Role.PRINCIPAL: 40}
OFFICE_USERS = 10


class Command(BaseCommand):
    help = (
        "Gives seed_bench users a fresh random password and a two-factor device for the load "
        "test and writes them to --output (for the load tool only). Bench users only; runs "
        "with DEBUG=false only with --allow-production, on a database of its own."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, default=settings.VAR_DIR / "loadtest")
        parser.add_argument("--allow-production", action="store_true")

    def handle(self, *args, output, allow_production, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "loadtest_prepare gives bench users known passwords, so it runs only with "
                "DEBUG=true, or with --allow-production on a database of its own."
            )
        User = get_user_model()
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
                device = TOTPDevice.objects.create(user=user, name="load test", confirmed=True)
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
