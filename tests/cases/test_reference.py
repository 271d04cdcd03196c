import threading

import pytest
from django.db import connection, connections

from k0.cases.models import Case, ReferenceCounter
from tests.factories import make_case


def test_references_count_up_per_year(case_team_member, school):
    first = make_case(school=school, responsible=case_team_member)
    second = make_case(school=school, responsible=case_team_member)
    other_year = make_case(
        school=school,
        responsible=case_team_member,
        referred_on=__import__("datetime").date(2025, 5, 1),
    )
    assert (first.reference, second.reference) == ("K0-2026-0001", "K0-2026-0002")
    assert other_year.reference == "K0-2025-0001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_referrals_get_unique_references(case_team_member, school):
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is exercised on PostgreSQL (CI runs it there)")
    workers, per_worker = 8, 5
    barrier = threading.Barrier(workers)
    errors = []

    def work():
        try:
            barrier.wait()
            for _ in range(per_worker):
                make_case(school=school, responsible=case_team_member)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references)) == workers * per_worker
    assert ReferenceCounter.objects.get(year=2026).last == workers * per_worker
