"""Every party recorded before person records gets a person of its own: one person per
party, never a guessed merge. Likely duplicates are proposed to an administrator later
(`manage.py propose_person_duplicates`)."""

from django.db import migrations

CHUNK = 2000


def parties_to_persons(apps, schema_editor):
    Party = apps.get_model("cases", "Party")
    Person = apps.get_model("cases", "Person")
    while True:
        chunk = list(
            Party.objects.filter(person__isnull=True)
            .order_by("pk")
            .values_list("pk", "kind", "name", "created_at")[:CHUNK]
        )
        if not chunk:
            return
        persons = Person.objects.bulk_create(
            [Person(kind=kind, name=name, created_at=created) for _, kind, name, created in chunk]
        )
        if persons and persons[0].pk is None:  # a database that returns no ids on bulk insert
            persons = list(Person.objects.order_by("-pk")[: len(chunk)])[::-1]
        links = [
            Party(pk=party_id, person_id=person.pk)
            for (party_id, *_), person in zip(chunk, persons, strict=True)
        ]
        Party.objects.bulk_update(links, ["person"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_person_records")]

    operations = [migrations.RunPython(parties_to_persons, migrations.RunPython.noop)]
