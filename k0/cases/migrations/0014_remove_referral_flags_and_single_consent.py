from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0013_flags_and_consents_to_records")]

    operations = [
        migrations.RemoveField(
            model_name="case",
            name="crime_report",
        ),
        migrations.RemoveField(
            model_name="case",
            name="police_request",
        ),
        migrations.RemoveField(
            model_name="historicalcase",
            name="crime_report",
        ),
        migrations.RemoveField(
            model_name="historicalcase",
            name="police_request",
        ),
        migrations.RemoveField(
            model_name="historicalparty",
            name="consent_given_by",
        ),
        migrations.RemoveField(
            model_name="historicalparty",
            name="consent_given_on",
        ),
        migrations.RemoveField(
            model_name="historicalparty",
            name="consent_scope",
        ),
        migrations.RemoveField(
            model_name="party",
            name="consent_given_by",
        ),
        migrations.RemoveField(
            model_name="party",
            name="consent_given_on",
        ),
        migrations.RemoveField(
            model_name="party",
            name="consent_scope",
        ),
    ]
