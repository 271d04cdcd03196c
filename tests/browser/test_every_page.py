"""Every page of every role, in Chromium: no page scrolls sideways at 320 CSS px (WCAG 1.4.10
reflow) and axe-core (wcag2a, wcag2aa, wcag21a, wcag21aa) finds no serious or critical
violation.

The pages come from the authorization matrix (tests/test_authorization_matrix.py): every
URL pattern a persona may GET with 200 and that answers HTML, in the matrix's world (a
case with one record of every kind). The administrator also walks the admin: its index and,
for every model registered there, the list, the add form and the change form of one row.

With K0_PAGE_WIDTHS=FILE the widths at 320, 390 and 1366 px are written there as JSON.
"""

import contextlib
import json
import os
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.factories import PASSWORD
from tests.test_authorization_matrix import (  # noqa: F401 - fixtures
    EXPECTED,
    PERSONAS,
    fill,
    make_user,
    project_urls,
    world,
)

from .conftest import AXE, log_in

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (320, 390, 1366)


def html_pages(persona, world):  # noqa: F811
    """The URLs this persona may open as pages (GET 200, HTML)."""
    client = Client()
    client.force_login(world["people"][persona])
    urls = []
    for name, _, converters in project_urls():
        rule = EXPECTED[name]
        if persona not in rule.allowed or 200 not in rule.ok_get:
            continue
        url = fill(name, converters, world)
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            urls.append(url)
    if persona == "administrator":
        urls += admin_pages(world)
    return sorted(set(urls))


def admin_pages(world):  # noqa: F811
    urls = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        for view in ("changelist", "add"):
            with contextlib.suppress(NoReverseMatch):
                urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}"))
        row = model_admin.get_queryset(_admin_request(world)).first()
        if row is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk]))
    client = Client()
    client.force_login(world["people"]["administrator"])
    return [url for url in urls if client.get(url).status_code == 200]


def _admin_request(world):  # noqa: F811
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = world["people"]["administrator"]
    return request


OVERFLOWING = """() => [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .filter((e) => !e.parentElement.closest(".table-scroll, .indicator-table__scroll"))
    .slice(0, 4).map((e) => e.outerHTML.slice(0, 120))"""


def overflowing(page):
    """The first elements that stick out on the right, to say what to fix."""
    page.set_viewport_size({"width": 320, "height": 640})
    return page.evaluate(OVERFLOWING)


def check_page(page, url):
    """Widths of the page at each of WIDTHS, and its serious or critical axe violations."""
    widths = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 640 if width == 320 else 844})
        if not widths:
            page.goto(url)
            if "/admin/" in url:  # static/js/admin.js names the admin's unlabelled inputs
                page.wait_for_function("document.documentElement.dataset.k0Admin === 'ready'")
        widths[width] = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 320, "height": 640})
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    bad = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:160] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    return widths, bad


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_every_page_reflows_at_320px_and_passes_axe(page, live_server, world, persona):  # noqa: F811
    user = world["people"][persona]
    urls = html_pages(persona, world)
    assert urls, persona
    log_in(page, live_server, user, PASSWORD)
    page.wait_for_load_state()
    report, too_wide, violations = {}, {}, {}
    for url in urls:
        widths, bad = check_page(page, f"{live_server.url}{url}")
        report[url] = widths
        if widths[320] > 320:
            too_wide[url] = (widths[320], overflowing(page))
        if bad:
            violations[url] = bad
    if os.environ.get("K0_PAGE_WIDTHS"):
        path = os.environ["K0_PAGE_WIDTHS"]
        previous = json.loads(Path(path).read_text()) if os.path.exists(path) else {}
        previous[persona] = report
        with open(path, "w") as out:
            json.dump(previous, out, indent=1)
    assert not too_wide, f"{persona}: wider than 320 px: {too_wide}"
    assert not violations, f"{persona}: {json.dumps(violations, indent=1, ensure_ascii=False)}"


def test_anonymous_pages_reflow_and_pass_axe(page, live_server, db):
    """The log-in page and the public pages."""
    client = Client()
    problems = {}
    for name, _, converters in project_urls():
        rule = EXPECTED[name]
        if not rule.public or 200 not in rule.anonymous_get:
            continue
        try:
            url = fill(name, converters, {"case": None})
        except (AssertionError, KeyError, TypeError):
            continue
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        widths, bad = check_page(page, f"{live_server.url}{url}")
        if widths[320] > 320 or bad:
            problems[url] = {"width": widths[320], "axe": bad}
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)
