"""The referral's yes/no police flags become notices, and each pupil's one consent becomes
that guardian's consent record. Data only, in a migration of its own: PostgreSQL refuses to
alter a table in the transaction that changed its rows (pending trigger events)."""

from django.db import migrations, models


def flags_and_consents_to_records(apps, schema_editor):
    """The referral's yes/no flags become notices dated on the referral, and the one consent
    of a pupil (date, guardian, scope) becomes that guardian's consent record. A consent
    without a guardian (never allowed by the form, but possible in old rows) keeps its date
    and scope on a record without a guardian, marked given, so nothing is lost."""
    Case = apps.get_model("cases", "Case")
    Party = apps.get_model("cases", "Party")
    Notice = apps.get_model("cases", "StatutoryNotice")
    Consent = apps.get_model("cases", "GuardianConsent")
    notices = []
    for case in Case.objects.filter(
        models.Q(crime_report=True) | models.Q(police_request=True)
    ).iterator():
        for flag in ("crime_report", "police_request"):
            if getattr(case, flag):
                notices.append(
                    Notice(case=case, kind=flag, made_on=case.referred_on, from_referral=True)
                )
    Notice.objects.bulk_create(notices, batch_size=500)
    consents = []
    for pupil in Party.objects.filter(
        models.Q(consent_given_on__isnull=False) | models.Q(consent_given_by__isnull=False)
    ).iterator():
        consents.append(
            Consent(
                pupil=pupil,
                guardian_id=pupil.consent_given_by_id,
                status="given",
                decided_on=pupil.consent_given_on,
                scope=pupil.consent_scope,
            )
        )
    Consent.objects.bulk_create(consents, batch_size=500)


def records_to_flags_and_consents(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Party = apps.get_model("cases", "Party")
    Notice = apps.get_model("cases", "StatutoryNotice")
    Consent = apps.get_model("cases", "GuardianConsent")
    for flag in ("crime_report", "police_request"):
        ids = Notice.objects.filter(kind=flag).values("case_id")
        Case.objects.filter(pk__in=ids).update(**{flag: True})
    for consent in Consent.objects.filter(status="given").order_by("pk"):
        Party.objects.filter(pk=consent.pupil_id, consent_given_on__isnull=True).update(
            consent_given_on=consent.decided_on,
            consent_given_by_id=consent.guardian_id,
            consent_scope=consent.scope,
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_duties_and_safety")]

    operations = [
        migrations.RunPython(flags_and_consents_to_records, records_to_flags_and_consents),
    ]
