import datetime as dt
import io
import time

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from k0.cases.models import Agreement, CaseNote, Intervention
from k0.documents.case_documents import case_summary_pdf, meeting_record_pdf
from tests.cases.conftest import add_guardian, add_party

NAMES = ["Aada Salainen", "Bertil Åström", "Anna Salainen"]
NOTE = "Arkaluonteinen muistiinpano kotitilanteesta"


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def rich_case(case, case_team_member):
    a = add_party(case, NAMES[0], heard_on=dt.date(2026, 9, 5))
    b = add_party(case, NAMES[1], role="bystander")
    add_guardian(case, a, NAMES[2])
    meeting = Intervention.objects.create(
        case=case, kind="mediation", date=dt.date(2026, 10, 1), summary=NOTE, notes=NOTE
    )
    meeting.participants.set([a, b])
    meeting.facilitators.set([case_team_member])
    agreement = Agreement.objects.create(
        case=case, intervention=meeting, text="Välitunnilla kumpikin saa olla rauhassa."
    )
    agreement.parties.set([a, b])
    CaseNote.objects.create(case=case, author=case_team_member, text=NOTE)
    case.summary = NOTE
    case.save()
    return case


def test_team_summary_has_reference_parties_and_notes_on_every_page(rich_case):
    _, pdf = case_summary_pdf(rich_case.pk, variant="team", language="fi")
    reader = PdfReader(io.BytesIO(pdf))
    text = text_of(pdf)
    for name in NAMES:
        assert name in text
    assert NOTE in text
    for page in reader.pages:
        page_text = page.extract_text()
        assert rich_case.reference in page_text
        assert "SALASSA PIDETTÄVÄ" in page_text.upper()


def test_principal_summary_has_no_name_and_no_note(rich_case):
    _, pdf = case_summary_pdf(rich_case.pk, variant="principal", language="fi")
    text = text_of(pdf)
    assert rich_case.reference in text
    for secret in [*NAMES, NOTE, "Välitunnilla"]:
        assert secret not in text
    assert "Oppilas A" in text and "Oppilas B" in text


def test_summary_in_swedish(rich_case):
    _, pdf = case_summary_pdf(rich_case.pk, variant="team", language="sv")
    text = text_of(pdf)
    assert "Åström" in text
    assert "Parter" in text


def test_meeting_record_has_agreements_and_signature_lines(rich_case):
    meeting = rich_case.interventions.get()
    name, pdf = meeting_record_pdf(meeting.pk, language="fi")
    text = text_of(pdf)
    assert "Välitunnilla kumpikin saa olla rauhassa." in text
    assert "Allekirjoitukset" in text
    for person in NAMES[:2]:
        assert person in text
    assert name == f"{rich_case.reference}-meeting-2026-10-01.pdf"


def test_render_case_pdf_command(rich_case, tmp_path, capsys):
    out = tmp_path / "summary.pdf"
    started = time.perf_counter()
    call_command(
        "render_case_pdf", rich_case.reference, "--output", str(out), "--variant", "principal"
    )
    elapsed = time.perf_counter() - started
    assert NAMES[0] not in text_of(out.read_bytes())
    assert "principal variant" in capsys.readouterr().out
    print(f"render_case_pdf took {elapsed * 1000:.0f} ms")


def test_render_case_pdf_command_reports_unknown_reference(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No case with reference K0-1999-0001"):
        call_command("render_case_pdf", "K0-1999-0001", "--output", str(tmp_path / "x.pdf"))
