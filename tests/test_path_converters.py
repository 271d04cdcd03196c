"""Case references in URLs (issue 13 item 13).

Every URL that takes a case reference uses the strict `caseref` converter, so a malformed
reference — above all one with a NUL byte, which PostgreSQL refuses inside a query — answers
404 before any view or query runs, on every database. Run this module on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from k0.cases.models import ReferenceCounter
from k0.converters import CaseReferenceConverter
from tests import test_authorization_matrix as matrix
from tests.test_authorization_matrix import EXPECTED, fill, project_urls

world = matrix.world  # the matrix's people, case and records, as a fixture here too
make_user = matrix.make_user

REFERENCE_URLS = sorted(
    (name, converters) for name, _, converters in project_urls() if "reference" in converters
)

# What a scanner or a careless link sends in place of a reference (percent-encoded, as in a
# request line); "{ref}" is the real case's reference.
BAD_REFERENCES = [
    "%00",
    "{ref}%00",
    "%00{ref}",
    "K0-2026-%000001",
    "k0-2026-0001",
    "K0-2026-1",
    "K0-26-0001",
    "K0-2026-0001-",
    "K0-%D9%A2%D9%A0%D9%A2%D9%A6-0001",  # Arabic-Indic digits match \d, not the converter
    "%20{ref}",
]


def test_every_reference_url_uses_the_strict_converter():
    apps = {name.split(":")[0] for name, _ in REFERENCE_URLS}
    assert apps == {"cases", "documents", "reminders"}
    loose = [
        name
        for name, converters in REFERENCE_URLS
        if not isinstance(converters["reference"], CaseReferenceConverter)
    ]
    assert not loose, f"URL patterns taking a reference with a loose converter: {loose}"


@pytest.mark.parametrize(
    "path",
    ["/cases/%00/", "/cases/K0-2026-0001%00/", "/documents/cases/%00/summary/"],
)
def test_a_malformed_reference_does_not_resolve(path):
    from urllib.parse import unquote

    with pytest.raises(Resolver404):
        resolve(unquote(path))


@pytest.mark.parametrize(
    ("year", "number"), [(2026, 1), (2010, 9999), (2031, 10000), (1, 1), (9999, 123456)]
)
@pytest.mark.django_db
def test_every_reference_the_counter_writes_resolves(year, number):
    ReferenceCounter.objects.create(year=year, last=number - 1)
    reference = ReferenceCounter.next_reference(year)
    match = resolve(f"/cases/{reference}/")
    assert match.url_name == "detail" and match.kwargs == {"reference": reference}


@pytest.mark.parametrize(("name", "converters"), REFERENCE_URLS, ids=[n for n, _ in REFERENCE_URLS])
def test_a_malformed_reference_answers_404_not_500(name, converters, world):
    """GET and POST by the case team, who may open the real case at this URL."""
    reference = world["case"].reference
    url = fill(name, converters, world)
    client = Client(raise_request_exception=False)
    client.force_login(world["people"]["case_team"])
    for bad in BAD_REFERENCES:
        bad_url = url.replace(reference, bad.format(ref=reference), 1)
        assert client.get(bad_url).status_code == 404, bad_url
        assert client.post(bad_url, {"text": "x"}).status_code == 404, bad_url


# Query parameters the views read, all set to a NUL byte.
NUL_QUERY = {
    key: "\x00"
    for key in (
        "page",
        "q",
        "phase",
        "school",
        "overdue",
        "show",
        "sort",
        "timeline",
        "period",
        "by",
        "kind",
        "next",
    )
}


def test_nul_bytes_in_query_parameters_never_give_500(world):
    """Every page, opened by someone allowed to see it, with every query parameter a view
    reads set to NUL: Paginator, the case filter and the indicator forms refuse it before
    any query (a 4xx or the page unfiltered, never a 500)."""
    failures = []
    for name, _, converters in project_urls():
        persona = min(EXPECTED[name].allowed, default="case_team")
        client = Client(raise_request_exception=False)
        client.force_login(world["people"][persona])
        url = fill(name, converters, world)
        status = client.get(url, NUL_QUERY).status_code
        if status >= 500:
            failures.append((url, status))
    assert not failures


def test_nul_bytes_in_admin_search_and_object_ids_never_give_500(world):
    from django.contrib import admin

    client = Client(raise_request_exception=False)
    client.force_login(world["people"]["administrator"])
    failures = []
    for model in admin.site._registry:
        changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for url, query in (
            (changelist, {"q": "\x00", "o": "\x00"}),
            (changelist + "%00/change/", {}),
        ):
            status = client.get(url, query).status_code
            if status >= 500:
                failures.append((url, status))
    assert not failures
