"""Screenshots of the case page for the documentation (docs/screenshots/), from the demo
data as a team member sees it: a case in follow-up, at 1366×768 (a laptop) and 390×844
(a phone), the first screen and the whole page, and with a panel form open.

`bin/screenshots` runs this test with K0_SCREENSHOTS=docs/screenshots; without the variable
the pictures go to a temporary folder, so the test still shows that the pages render.
"""

import os
from pathlib import Path

from k0 import demo
from k0.cases.models import Case

from .conftest import log_in

SIZES = [(1366, 768), (390, 844)]  # a laptop, a phone


def test_case_page_screenshots(page, live_server, tmp_path, transactional_db):
    demo.seed()
    case = Case.objects.filter(phase="follow_up", responsible__username="tiina").first()
    folder = Path(os.environ.get("K0_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    user = case.responsible
    log_in(page, live_server, user, demo.DEMO_PASSWORD)
    page.wait_for_load_state()
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}{case.get_absolute_url()}")
        page.screenshot(path=folder / f"case-page-{width}x{height}.png")
        page.screenshot(path=folder / f"case-page-{width}x{height}-full.png", full_page=True)
        page.locator("#follow-ups a[data-panel]").first.focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-panel-slot] .form-panel")
        page.screenshot(path=folder / f"case-page-{width}x{height}-panel.png")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    written = sorted(p.name for p in folder.glob("case-page-*.png"))
    assert len(written) >= 6, written
