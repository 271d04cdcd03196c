"""Every text a user writes has a length limit with a clear message (issue 13 item 15).

A 100,000-character value in any text field of any form is refused with a message naming
the limit and the length, on the field, and the form comes back with all of the text; a
value exactly at the limit is saved. The model checks the same limits in `full_clean`, and
list fields hold known codes only.
"""

import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from k0.cases import limits
from k0.cases.choices import Phase
from k0.cases.models import (
    Agreement,
    Case,
    CaseNote,
    FollowUp,
    Intervention,
    Party,
    PartyGroup,
    PhaseChange,
    PrincipalReview,
)
from k0.privacy.models import DataSubjectRequest

from .conftest import add_party

HUGE = 100_000

REFERRAL = {
    "referred_on": "2026-09-01",
    "referral_source": "guardian",
    "forms_of_bullying": ["verbal"],
}

# form → (url name, base data, who posts, {text field: limit}, where a save lands)
FORMS = {
    "create": (
        "cases:create",
        REFERRAL,
        "team_member",
        {
            "known_at_referral": limits.SUMMARY,
            "already_tried_notes": limits.DETAIL,
            "referral_source_detail": 200,
        },
        lambda case, field: Case.objects.exclude(pk=case.pk).values_list(field, flat=True),
    ),
    "edit_referral": (
        "cases:edit_referral",
        REFERRAL,
        "case_team_member",
        {
            "known_at_referral": limits.SUMMARY,
            "already_tried_notes": limits.DETAIL,
            "referral_source_detail": 200,
        },
        lambda case, field: Case.objects.filter(pk=case.pk).values_list(field, flat=True),
    ),
    "edit_work": (
        "cases:edit_work",
        {},
        "case_team_member",
        {
            "summary": limits.SUMMARY,
            "consent_exception": limits.DETAIL,
            "root_cause_notes": limits.DETAIL,
            "plan": limits.NOTES,
        },
        lambda case, field: Case.objects.filter(pk=case.pk).values_list(field, flat=True),
    ),
    "parties_add": (
        "cases:parties_add",
        {"name": "Aada", "role": "central", "kind": "pupil"},
        "case_team_member",
        {
            "name": 200,
            "class_name": 20,
            "contact": 200,
            "support_needs": limits.DETAIL,
        },
        lambda case, field: Party.objects.filter(case=case).values_list(field, flat=True),
    ),
    "groups_add": (
        "cases:groups_add",
        {"name": "7B", "head_count": 20},
        "case_team_member",
        {"name": 200},
        lambda case, field: PartyGroup.objects.filter(case=case).values_list(field, flat=True),
    ),
    "interventions_add": (
        "cases:interventions_add",
        {"kind": "joint", "status": "planned", "date": "2026-12-01"},
        "case_team_member",
        {"external_participants": limits.DETAIL, "summary": 300, "notes": limits.NOTES},
        lambda case, field: Intervention.objects.filter(case=case).values_list(field, flat=True),
    ),
    "agreements_add": (
        "cases:agreements_add",
        {"text": "Sovittu", "status": "open"},
        "case_team_member",
        {"text": limits.DETAIL},
        lambda case, field: Agreement.objects.filter(case=case).values_list(field, flat=True),
    ),
    "follow_ups_add": (
        "cases:follow_ups_add",
        {"due_date": "2026-12-10"},
        "case_team_member",
        {"notes": limits.NOTES, "next_step": limits.DETAIL},
        lambda case, field: FollowUp.objects.filter(case=case).values_list(field, flat=True),
    ),
    "notes_add": (
        "cases:notes_add",
        {"text": "Muistiinpano"},
        "case_team_member",
        {"text": limits.NOTES},
        lambda case, field: CaseNote.objects.filter(case=case).values_list(field, flat=True),
    ),
    "close": (
        "cases:close",
        {"outcome": "transferred", "closing_summary": "Siirretty"},
        "case_team_member",
        {"closing_summary": limits.SUMMARY, "aftercare_plan": limits.SUMMARY},
        lambda case, field: Case.objects.filter(pk=case.pk, phase=Phase.CLOSED).values_list(
            field, flat=True
        ),
    ),
    "reopen": (
        "cases:reopen",
        {"reason": "Kiusaaminen jatkui"},
        "case_team_member",
        {"reason": limits.DETAIL},
        lambda case, field: PhaseChange.objects.filter(
            case=case, from_phase=Phase.CLOSED
        ).values_list(field, flat=True),
    ),
    "review": (
        "cases:review",
        {"comment": "Hyvä"},
        "principal",
        {"comment": limits.DETAIL},
        lambda case, field: PrincipalReview.objects.filter(case=case).values_list(field, flat=True),
    ),
}
CASES = [(form, field) for form, spec in FORMS.items() for field in spec[3]]


@pytest.fixture
def post(client, request, case, school):
    """Posts `form` with `field` set to `value`, as the person who may; returns the response
    and where a saved value would be."""

    def run(form, field, value):
        url_name, base, persona, _limits, saved = FORMS[form]
        user = request.getfixturevalue(persona)
        client.force_login(user)
        data = {**base, field: value}
        if form == "create":
            data.update(school=school.pk, responsible=user.pk)
        if form == "follow_ups_add":
            data["responsible"] = case.responsible.pk
        if form == "reopen":
            case.close(
                by=case.responsible, outcome="transferred", closing_summary="x", aftercare_plan=""
            )
        args = [] if form == "create" else [case.reference]
        return client.post(reverse(url_name, args=args), data), saved(case, field)

    return run


def _form_of(response):
    context = response.context
    return context.get("form") or context.get("review_form")


@pytest.mark.parametrize(("form", "field"), CASES)
def test_a_huge_text_is_refused_with_the_limit_and_kept(post, form, field):
    limit = FORMS[form][3][field]
    typed = ("Pitkä teksti, jota ei saa hukata. " * (HUGE // 30 + 1))[: HUGE - 1] + "."
    response, saved = post(form, field, typed)
    assert response.status_code == 200
    errors = _form_of(response).errors.as_data()[field]
    assert [e.code for e in errors] == ["max_length"]
    with translation.override("en"):
        message = " ".join(str(m) for e in errors for m in e)
    assert f"at most {limit} characters (it has {HUGE})" in message
    assert typed not in set(saved)
    body = unescape(response.content.decode())
    assert typed in body  # all of it, to be shortened rather than written again
    textarea = re.search(rf'<textarea[^>]*name="{field}"[^>]*>', body)
    if textarea:  # the browser would silently cut pasted text at a maxlength
        assert "maxlength" not in textarea.group(0)


@pytest.mark.parametrize(("form", "field"), CASES)
def test_a_text_at_the_limit_is_saved(post, form, field):
    limit = FORMS[form][3][field]
    typed = "a" * limit
    response, saved = post(form, field, typed)
    assert response.status_code == 302, _form_of(response).errors
    assert typed in set(saved)


def test_full_clean_refuses_text_over_the_limit(case, case_team_member):
    note = CaseNote(case=case, author=case_team_member, text="x" * (limits.NOTES + 1))
    with pytest.raises(ValidationError) as error:
        note.full_clean()
    assert [e.code for e in error.value.error_dict["text"]] == ["max_length"]
    note.text = "x" * limits.NOTES
    note.full_clean()
    case.summary = "x" * (limits.SUMMARY + 1)
    with pytest.raises(ValidationError) as error:
        case.full_clean()
    assert list(error.value.error_dict) == ["summary"]
    party = add_party(case, "Aada")
    party.support_needs = "x" * (limits.DETAIL + 1)
    with pytest.raises(ValidationError):
        party.full_clean()


def test_list_fields_hold_known_codes_only(case):
    case.full_clean()
    for field, value in (
        ("forms_of_bullying", ["verbal", "not_a_form"]),
        ("locations", ["online", "online"]),
        ("already_tried", [3]),
        ("root_causes", "group_dynamics"),
    ):
        original = getattr(case, field)
        setattr(case, field, value)
        with pytest.raises(ValidationError) as error:
            case.full_clean()
        assert list(error.value.error_dict) == [field]
        setattr(case, field, original)


def test_a_referral_with_an_unknown_code_is_refused(client, team_member, school):
    client.force_login(team_member)
    response = client.post(
        reverse("cases:create"),
        {**REFERRAL, "school": school.pk, "responsible": team_member.pk, "locations": ["moon"]},
    )
    assert "locations" in response.context["form"].errors
    assert not Case.objects.exists()


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def test_a_huge_erasure_reason_is_refused_and_kept(admin_client, case):
    pupil = add_party(case, "Aada Rekisteröity")
    typed = "Huoltajan pyyntö. " * 6000
    response = admin_client.post(reverse("privacy:erase", args=[pupil.pk]), {"reason": typed})
    assert response.status_code == 200
    assert "reason" in response.context["erase_form"].errors
    assert typed in unescape(response.content.decode())
    pupil.refresh_from_db()
    assert pupil.name == "Aada Rekisteröity" and not DataSubjectRequest.objects.exists()
    reason = "x" * limits.DETAIL
    response = admin_client.post(reverse("privacy:erase", args=[pupil.pk]), {"reason": reason})
    assert response.status_code == 302
    assert DataSubjectRequest.objects.get().reason == reason
