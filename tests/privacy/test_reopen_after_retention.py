"""Issue 13 item 6: a pseudonymised case can be neither revived nor filled with new personal
data, and should any route ever bring one back, its new data ages from its new closing and is
removed in turn — history rows included."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from k0.cases.models import Case, CaseNote, Party, PhaseError
from k0.privacy.retention import apply_retention

from .test_retention import SECRETS, build_closed_case, database_text

NEW = "Uusi salaisuus"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def purged(school, case_team_member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.RETENTION_YEARS = 5
    case = build_closed_case(school, case_team_member, dt.date(2019, 6, 1), tag=" 0")
    assert apply_retention().done == 1
    case.refresh_from_db()
    assert case.pseudonymised_at is not None
    return case


def assert_nothing_personal_left():
    text = database_text()
    assert NEW not in text
    for secret in SECRETS:
        assert f"{secret} 0" not in text


def every_route(case, team: Client, principal: Client) -> None:
    """Everything the case team and the principal could try on a pseudonymised case."""
    ref = case.reference
    party = Party.objects.filter(case=case).first()
    note = CaseNote.objects.filter(case=case).first()
    team.post(reverse("cases:reopen", args=[ref]), {"reason": NEW})
    posts = {
        "cases:notes_add": {"text": NEW},
        "cases:parties_add": {"name": NEW, "role": "central", "kind": "pupil", "contact": NEW},
        "cases:groups_add": {"name": NEW, "head_count": 3},
        "cases:interventions_add": {
            "kind": "joint",
            "date": "2026-11-01",
            "status": "done",
            "notes": NEW,
            "summary": NEW,
        },
        "cases:agreements_add": {"text": NEW, "status": "open"},
        "cases:follow_ups_add": {"due_date": "2026-12-01", "notes": NEW, "next_step": NEW},
        "cases:edit_referral": {
            "referred_on": "2019-04-01",
            "referral_source": "guardian",
            "known_at_referral": NEW,
            "forms_of_bullying": ["verbal"],
        },
        "cases:edit_work": {"summary": NEW, "plan": NEW, "root_cause_notes": NEW},
        "cases:close": {"outcome": "discontinued", "closing_summary": NEW, "aftercare_plan": NEW},
        "cases:advance": {"phase": "follow_up"},
    }
    for name, data in posts.items():
        team.post(reverse(name, args=[ref]), data)
    team.post(reverse("cases:parties_edit", args=[ref, party.pk]), {"name": NEW, "contact": NEW})
    team.post(reverse("cases:notes_edit", args=[ref, note.pk]), {"text": NEW})
    team.post(
        reverse("cases:attachment_add", args=[ref]),
        {"file": SimpleUploadedFile("uusi.png", PNG, "image/png"), "description": NEW},
    )
    principal.post(reverse("cases:review", args=[ref]), {"comment": NEW, "acknowledge": "1"})


def test_no_route_revives_a_pseudonymised_case_or_adds_personal_data(
    purged, case_team_member, principal
):
    team, head = Client(), Client()
    team.force_login(case_team_member)
    head.force_login(principal)
    every_route(purged, team, head)
    with pytest.raises(PhaseError):
        purged.reopen(by=case_team_member, reason=NEW)
    purged.refresh_from_db()
    assert purged.phase == "closed" and purged.closed_at.year == 2019
    assert NEW not in database_text()
    apply_retention()
    assert_nothing_personal_left()


def test_a_case_brought_back_ages_from_its_new_closing_and_is_removed_again(
    purged, case_team_member, settings
):
    # Any route back to open — here the database itself, standing in for one not thought of.
    Case.objects.filter(pk=purged.pk).update(phase="follow_up", closed_at=None, outcome="")
    team = Client()
    team.force_login(case_team_member)
    team.post(reverse("cases:notes_add", args=[purged.reference]), {"text": NEW})
    assert CaseNote.objects.filter(case=purged, text=NEW).exists()
    apply_retention()
    assert NEW in database_text()  # kept while open …
    purged.refresh_from_db()
    purged.close(
        by=case_team_member, outcome="discontinued", closing_summary=NEW, aftercare_plan=""
    )
    apply_retention()
    assert NEW in database_text()  # … and for RETENTION_YEARS after the new closing …
    later = timezone.now() + dt.timedelta(days=round(365.25 * 5) + 1)
    with time_machine.travel(later, tick=False):
        assert apply_retention().done == 1
    assert_nothing_personal_left()  # … then removed, from the history rows too
    purged.refresh_from_db()
    assert purged.pseudonymised_at > purged.closed_at
    with time_machine.travel(later + dt.timedelta(days=1), tick=False):
        assert apply_retention().done == 0  # and only once
