"""A closed case is read-only until it is reopened (`Case.ensure_open`): every POST that
would change it is refused with the same message, and nothing changes."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from k0.cases import urls
from k0.cases.choices import InterventionKind, InterventionStatus, Phase
from k0.cases.models import (
    AcknowledgementError,
    Agreement,
    Attachment,
    Case,
    CaseClosedError,
    CaseNote,
    FollowUp,
    Intervention,
    PartyGroup,
)
from k0.cases.models_duties import SafetyMeasure, ServiceReferral, StatutoryNotice
from k0.cases.views import CHILD_KINDS
from k0.cases.views_duties import DUTY_KINDS
from k0.reminders.models import MeetingInvitation

from .conftest import add_guardian, add_party
from .factories import give_consent

REFUSAL = "The case is closed. Reopen it to make changes."

# Views of a case that change nothing in it, or whose own rule answers on a closed case:
# advancing and closing are refused by the phase guards (`Case.advance_to`, `Case.close`),
# reopening and a follow-on case are the ways on from a closed case, and the principal's
# review acknowledges closed cases.
NOT_CHANGING_AN_OPEN_CASE = {
    "cases:detail",
    "cases:history",
    "cases:progress",
    "cases:review",
    "cases:reopen",
    "cases:follow_on",
    "cases:advance",
    "cases:close",
    "cases:attachment_download",
    # Reads only. (The handover is refused on a closed case too, but for a principal or
    # coordinator, not for the case team this test logs in: tests/persons/test_transfer.py.)
    "cases:earlier_cases",
    "cases:handover",
}


def _records(case, member):
    """One record of each kind in `case`, by the kind's URL name."""
    pupil = add_party(case, "Oppilas Yksi")
    guardian = add_guardian(case, pupil, "Huoltaja Yksi")
    meeting = Intervention.objects.create(
        case=case,
        kind=InterventionKind.JOINT,
        status=InterventionStatus.PLANNED,
        date=dt.date(2026, 12, 3),
        start_time=dt.time(10, 0),
    )
    meeting.facilitators.set([member])
    attachment = Attachment(
        case=case, original_name="a.pdf", content_type="application/pdf", size=3
    )
    attachment.file.save("upload.pdf", ContentFile(b"pdf"), save=False)
    attachment.uploaded_by = member
    attachment.save()
    return {
        "parties": pupil,
        "guardians": guardian.pupil_links.get(),
        "groups": PartyGroup.objects.create(case=case, name="7B", head_count=20),
        "interventions": meeting,
        "agreements": Agreement.objects.create(case=case, text="Ei nimittelyä."),
        "follow-ups": FollowUp.objects.create(
            case=case, due_date=dt.date(2026, 12, 10), responsible=member
        ),
        "notes": CaseNote.objects.create(case=case, author=member, text="Soitettu."),
        "attachment": attachment,
        "consents": give_consent(pupil, guardian),
        "notices": StatutoryNotice.objects.create(
            case=case, kind="child_welfare", made_on=dt.date(2026, 9, 2)
        ),
        "safety-measures": SafetyMeasure.objects.create(
            case=case, kind="safe_adult", what="x", owner=member, starts_on=dt.date(2026, 9, 2)
        ),
        "service-referrals": ServiceReferral.objects.create(
            case=case, party=pupil, service="school_nurse", referred_on=dt.date(2026, 9, 2)
        ),
    }


def _refused_urls():
    """(URL name, kwargs maker) of every POST that changes a case."""
    urls = []
    for slug in [*CHILD_KINDS, *DUTY_KINDS]:
        name = slug.replace("-", "_")
        urls += [
            (f"cases:{name}_add", lambda ref, rec, slug=slug: [ref]),
            (f"cases:{name}_edit", lambda ref, rec, slug=slug: [ref, rec[slug].pk]),
            (f"cases:{name}_remove", lambda ref, rec, slug=slug: [ref, rec[slug].pk]),
        ]
    urls += [
        ("cases:edit_referral", lambda ref, rec: [ref]),
        ("cases:edit_work", lambda ref, rec: [ref]),
        ("cases:consent_rule", lambda ref, rec: [ref]),
        ("cases:team", lambda ref, rec: [ref]),
        ("cases:attachment_add", lambda ref, rec: [ref]),
        ("cases:attachment_remove", lambda ref, rec: [ref, rec["attachment"].pk]),
        ("cases:transfer_propose", lambda ref, rec: [ref]),
        ("reminders:invite", lambda ref, rec: [ref, rec["interventions"].pk]),
    ]
    # One-click facts (views_quick), each with its undo.
    for name, kind in [
        ("parties_heard", "parties"),
        ("parties_unheard", "parties"),
        ("guardians_informed", "guardians"),
        ("guardians_uninformed", "guardians"),
        ("follow_ups_done", "follow-ups"),
        ("follow_ups_undone", "follow-ups"),
    ]:
        urls.append((f"cases:{name}", lambda ref, rec, kind=kind: [ref, rec[kind].pk]))
    return urls


REFUSED = _refused_urls()


@pytest.fixture
def closed(case, case_team_member):
    records = _records(case, case_team_member)
    case.close(
        by=case_team_member, outcome="discontinued", closing_summary="Siirretty.", aftercare_plan=""
    )
    return records


def _counts():
    return [
        model.objects.count()
        for model in (Agreement, Attachment, CaseNote, FollowUp, Intervention, PartyGroup)
    ] + [MeetingInvitation.objects.count()]


@pytest.mark.parametrize("url_name,args", REFUSED, ids=[name for name, _ in REFUSED])
def test_every_change_to_a_closed_case_is_refused(
    client, case, case_team_member, closed, url_name, args
):
    client.force_login(case_team_member)
    before = _counts()
    snapshot = Case.objects.filter(pk=case.pk).values().get()
    url = reverse(url_name, args=args(case.reference, closed))
    # Whatever the form holds: valid data must not get through either.
    response = client.post(url, {"text": "Myöhäinen", "responsible": case_team_member.pk})
    assert response.status_code == 302
    assert response.url == case.get_absolute_url()
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        assert [str(m) for m in get_messages(response.wsgi_request)] == [gettext(REFUSAL)]
    assert _counts() == before
    assert Case.objects.filter(pk=case.pk).values().get() == snapshot


def test_advancing_or_closing_a_closed_case_is_refused_by_the_phase_guards(
    client, case, case_team_member, closed
):
    client.force_login(case_team_member)
    client.post(reverse("cases:advance", args=[case.reference]), {"phase": Phase.FOLLOW_UP})
    response = client.post(
        reverse("cases:close", args=[case.reference]),
        {"outcome": "transferred", "closing_summary": "Uusi", "aftercare_plan": ""},
    )
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        assert gettext("The case is already closed.") in response.content.decode()
    case.refresh_from_db()
    assert case.phase == Phase.CLOSED and case.closing_summary == "Siirretty."


def test_every_view_that_takes_a_case_is_either_refused_or_listed_as_not_changing():
    """A new view of a case must be added to one list or the other, so none is forgotten."""
    names = {
        f"cases:{pattern.name}"
        for pattern in urls.urlpatterns
        if "reference" in pattern.pattern.converters
    } | {"reminders:invite"}
    refused = {name for name, _ in REFUSED}
    assert names == refused | NOT_CHANGING_AN_OPEN_CASE
    assert not refused & NOT_CHANGING_AN_OPEN_CASE


def test_ensure_open_raises_a_clear_error(case, case_team_member):
    case.ensure_open()
    case.close(
        by=case_team_member, outcome="discontinued", closing_summary="Siirretty.", aftercare_plan=""
    )
    with translation.override("en"), pytest.raises(CaseClosedError, match="Reopen it to make"):
        case.ensure_open()


def test_a_closure_is_acknowledged_once_and_only_when_closed(case, case_team_member, principal):
    with pytest.raises(AcknowledgementError):
        case.acknowledge_closure(by=principal, comment="")
    case.close(
        by=case_team_member, outcome="discontinued", closing_summary="Siirretty.", aftercare_plan=""
    )
    review = case.acknowledge_closure(by=principal, comment="Kiitos.")
    assert review.acknowledges_closure and review.author == principal
    assert case.closure_acknowledged_at is not None and not case.awaits_acknowledgement
    with pytest.raises(AcknowledgementError):
        case.acknowledge_closure(by=principal, comment="Uudestaan")
    assert case.reviews.count() == 1
