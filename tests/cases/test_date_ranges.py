"""Every date a user enters has a sensible range, checked by the model (issue 13 item 4).

The forms show the model's message on the field and keep everything typed; `full_clean`
refuses the same dates; the date inputs carry the same range as `min` and `max`.
Today is 27 November 2026 (tests/cases/conftest.py); the case was referred on 1 September.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from k0.cases import dates
from k0.cases.models import Agreement, Case, FollowUp, Guardianship, Intervention, Party

from .conftest import add_guardian, add_party

TYPED = "Kirjoitettu teksti, jota ei saa hukata"

REFERRAL = {
    "referred_on": "2026-09-01",
    "referral_source": "guardian",
    "referral_source_detail": "",
    "known_at_referral": TYPED,
    "forms_of_bullying": ["verbal"],
    "locations": [],
    "started_around": "2026-08-15",
    "already_tried": [],
    "already_tried_notes": "",
}

# (field, value typed, error code): too early, too late, the ends of the calendar.
REFERRAL_DATES = [
    ("referred_on", "0001-01-01", "too_early"),
    ("referred_on", "1900-01-01", "too_early"),
    ("referred_on", "2009-12-31", "too_early"),
    ("referred_on", "2026-11-28", "future"),
    ("referred_on", "9999-12-31", "future"),
    ("started_around", "0001-01-01", "too_early"),
    ("started_around", "1999-12-31", "too_early"),
    ("started_around", "2026-09-02", None),  # after the referral
    ("started_around", "9999-12-31", "future"),
]
PAST_DATES = [("0001-01-01", "too_early"), ("2008-12-31", "too_early"), ("9999-12-31", "future")]
PLANNED_DATES = [
    ("0001-01-01", "too_early"),
    ("2009-12-31", "too_early"),
    ("2036-11-28", "too_late"),  # more than ten years ahead
    ("9999-12-31", "too_late"),
]


@pytest.fixture
def team_client(client, case_team_member):
    client.force_login(case_team_member)
    return client


def assert_refused(response, field, value, code):
    """The form came back with the error on `field`, and what was typed is still there."""
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    if code:
        assert code in [error.code for error in form.errors.as_data()[field]]
    body = response.content.decode()
    assert f'value="{value}"' in body  # the date as typed, to be corrected


@pytest.mark.parametrize(("field", "value", "code"), REFERRAL_DATES)
def test_a_new_referral_with_a_date_out_of_range_is_refused_and_kept(
    client, team_member, school, field, value, code
):
    client.force_login(team_member)
    data = {**REFERRAL, "school": school.pk, "responsible": team_member.pk, field: value}
    response = client.post(reverse("cases:create"), data)
    assert_refused(response, field, value, code)
    assert TYPED in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize(("field", "value", "code"), REFERRAL_DATES)
def test_editing_a_referral_to_a_date_out_of_range_is_refused_and_kept(
    team_client, case, field, value, code
):
    response = team_client.post(
        reverse("cases:edit_referral", args=[case.reference]),
        {
            **REFERRAL,
            field: value,
        },
    )
    assert_refused(response, field, value, code)
    assert TYPED in response.content.decode()
    case.refresh_from_db()
    assert case.referred_on == dt.date(2026, 9, 1) and case.started_around is None


def test_the_messages_say_what_is_allowed(client, team_member, school):
    client.force_login(team_member)
    base = {**REFERRAL, "school": school.pk, "responsible": team_member.pk}
    for field, value, expected in (
        ("referred_on", "0001-01-01", "The date cannot be before 1.1.2010."),
        ("referred_on", "9999-12-31", "The date cannot be in the future."),
        ("started_around", "2026-09-02", "The bullying cannot start after the referral."),
    ):
        form = client.post(reverse("cases:create"), {**base, field: value}).context["form"]
        with translation.override("en"):
            assert expected in form.errors[field], form.errors


def test_referral_dates_at_the_ends_of_the_range_are_accepted(client, team_member, school):
    client.force_login(team_member)
    for referred, started in (("2010-01-01", "2000-01-01"), ("2026-11-27", "2026-11-27")):
        response = client.post(
            reverse("cases:create"),
            {
                **REFERRAL,
                "school": school.pk,
                "responsible": team_member.pk,
                "referred_on": referred,
                "started_around": started,
            },
        )
        assert response.status_code == 302, response.context["form"].errors
    assert Case.objects.count() == 2


def _child_forms(case):
    """(url name, form data with one field to vary, that field's kind)"""
    pupil = add_party(case, "Aada")
    guardian = add_party(case, "Anna", kind="guardian")
    responsible = case.responsible.pk
    return {
        "heard_on": ("parties_add", {"name": TYPED, "role": "central", "kind": "pupil"}),
        "informed_on": (
            "guardians_add",
            {"guardian": guardian.pk, "pupil": pupil.pk, "informed_how": "phone"},
        ),
        "date": ("interventions_add", {"kind": "joint", "status": "planned", "notes": TYPED}),
        "review_on": ("agreements_add", {"text": TYPED, "status": "open"}),
        "due_date": ("follow_ups_add", {"responsible": responsible, "notes": TYPED}),
        "done_at": (
            "follow_ups_add",
            {"responsible": responsible, "due_date": "2026-11-20", "notes": TYPED},
        ),
    }


# Where a form's own rule relative to the referral refuses a date first (heard or consent
# more than a year before it, a review or completion before it), that message is the one
# shown: no code to check, but the date is refused all the same.
RELATIVE_FIRST = {"heard_on", "review_on", "done_at"}
CHILD_CASES = [
    (field, value, None if field in RELATIVE_FIRST and code == "too_early" else code)
    for fields, values in (
        (("heard_on", "informed_on", "done_at"), PAST_DATES),
        (("date", "review_on", "due_date"), PLANNED_DATES),
    )
    for field in fields
    for value, code in values
]


@pytest.mark.parametrize(("field", "value", "code"), CHILD_CASES)
def test_a_date_out_of_range_in_a_case_form_is_refused_and_kept(
    team_client, case, field, value, code
):
    url_name, data = _child_forms(case)[field]
    before = {
        m: m.objects.count() for m in (Party, Guardianship, Intervention, Agreement, FollowUp)
    }
    response = team_client.post(
        reverse(f"cases:{url_name}", args=[case.reference]), {**data, field: value}
    )
    assert_refused(response, field, value, code)
    if "notes" in data or "text" in data or "name" in data:
        assert TYPED in response.content.decode()
    assert before == {m: m.objects.count() for m in before}


def test_editing_a_follow_up_to_the_end_of_the_calendar_is_refused(
    team_client, case, case_team_member
):
    follow_up = FollowUp.objects.create(
        case=case, due_date=dt.date(2026, 12, 1), responsible=case_team_member
    )
    url = reverse("cases:follow_ups_edit", args=[case.reference, follow_up.pk])
    data = {"responsible": case_team_member.pk, "due_date": "9999-12-31", "notes": TYPED}
    assert_refused(team_client.post(url, data), "due_date", "9999-12-31", "too_late")
    follow_up.refresh_from_db()
    assert follow_up.due_date == dt.date(2026, 12, 1)


def test_a_planned_date_ten_years_ahead_is_accepted(team_client, case):
    url = reverse("cases:interventions_add", args=[case.reference])
    response = team_client.post(url, {"kind": "joint", "status": "planned", "date": "2036-11-27"})
    assert response.status_code == 302
    assert Intervention.objects.get().date == dt.date(2036, 11, 27)


def test_full_clean_applies_the_same_ranges(case, case_team_member):
    case.referred_on = dt.date(1, 1, 1)
    with pytest.raises(ValidationError) as error:
        case.full_clean()
    assert "referred_on" in error.value.message_dict
    case.referred_on, case.started_around = dt.date(2026, 9, 1), dt.date(2026, 9, 2)
    with pytest.raises(ValidationError) as error:
        case.full_clean()
    assert list(error.value.message_dict) == ["started_around"]

    follow_up = FollowUp(case=case, due_date=dt.date(9999, 12, 31), responsible=case_team_member)
    with pytest.raises(ValidationError) as error:
        follow_up.full_clean()
    assert "due_date" in error.value.message_dict
    pupil = add_party(case, "Aada")
    link = Guardianship(guardian=add_guardian(case, pupil, "Anna"), pupil=pupil)
    link.informed_on = dt.date(9999, 12, 31)
    with pytest.raises(ValidationError) as error:
        link.full_clean(validate_constraints=False)
    assert "informed_on" in error.value.message_dict


def test_date_inputs_carry_the_range_as_min_and_max(team_client, case):
    body = team_client.get(reverse("cases:create")).content.decode()
    assert 'min="2010-01-01" max="2026-11-27"' in _date_input(body, "referred_on")
    assert 'min="2000-01-01" max="2026-11-27"' in _date_input(body, "started_around")
    body = team_client.get(reverse("cases:interventions_add", args=[case.reference])).content
    # Not before the referral, at most ten years ahead.
    assert 'min="2026-09-01" max="2036-11-27"' in _date_input(body.decode(), "date")
    body = team_client.get(reverse("cases:parties_add", args=[case.reference])).content
    assert 'min="2009-01-01" max="2026-11-27"' in _date_input(body.decode(), "heard_on")


def _date_input(body: str, name: str) -> str:
    start = body.index(f'name="{name}"')
    return body[body.rindex("<input", 0, start) : body.index(">", start)]


def test_the_first_year_is_importable_for_the_period_selector():
    assert dates.FIRST_YEAR == 2010
    assert dates.EARLIEST_REFERRAL.isoformat() == "2010-01-01"
