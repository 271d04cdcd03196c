"""The team's case summary lists the notices with office and police case number; the
principal's variant lists their kinds and dates only."""

import datetime as dt

from k0.cases.models_duties import StatutoryNotice
from k0.documents.case_documents import case_summary_pdf

from .test_case_documents import text_of

NUMBER = "5500/R/777/26"


def test_notices_in_the_team_and_principal_summaries(case):
    StatutoryNotice.objects.create(
        case=case, kind="crime_report", made_on=dt.date(2026, 9, 3), police_case_number=NUMBER
    )
    _, team = case_summary_pdf(case.pk, variant="team", language="fi")
    assert NUMBER in text_of(team)
    assert "3.9.2026" in text_of(team)
    _, principal = case_summary_pdf(case.pk, variant="principal", language="fi")
    text = text_of(principal)
    assert NUMBER not in text and "3.9.2026" in text


def test_the_principal_summary_never_shows_the_free_kind_of_an_other_notice(case):
    """ "Other" notices carry a kind typed by the team, which may name a child or a relative:
    the principal's variant shows the fixed label only."""
    StatutoryNotice.objects.create(
        case=case,
        kind="other",
        other_kind="Ilmoitus Matin isäpuolesta",
        made_on=dt.date(2026, 9, 4),
    )
    _, team = case_summary_pdf(case.pk, variant="team", language="fi")
    assert "Matin isäpuolesta" in text_of(team)
    _, principal = case_summary_pdf(case.pk, variant="principal", language="fi")
    text = text_of(principal)
    assert "Matin" not in text and "4.9.2026" in text
