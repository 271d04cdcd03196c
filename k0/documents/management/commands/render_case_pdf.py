from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from k0.cases.models import Case
from k0.documents.case_documents import VARIANTS, case_summary_pdf


class Command(BaseCommand):
    help = (
        "Renders the summary PDF of one case. The principal variant is pseudonymised and "
        "leaves out all narrative text."
    )

    def add_arguments(self, parser):
        parser.add_argument("reference", help="case reference, e.g. K0-2026-0042")
        parser.add_argument("--output", required=True, help="file to write the PDF to")
        parser.add_argument("--variant", choices=VARIANTS, default="team")
        parser.add_argument(
            "--language",
            choices=[code for code, _ in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
        )

    def handle(self, *args, reference, output, variant, language, **options):
        case_id = Case.objects.filter(reference=reference).values_list("pk", flat=True).first()
        if case_id is None:
            raise CommandError(f"No case with reference {reference}.")
        _, pdf = case_summary_pdf(case_id, variant=variant, language=language)
        try:
            with open(output, "wb") as out:
                out.write(pdf)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}") from error
        self.stdout.write(f"Wrote {output} ({len(pdf)} bytes, {variant} variant).")
