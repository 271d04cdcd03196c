import pytest


@pytest.mark.parametrize("n", range(6))
def test_probe(page, live_server, team_member, n):
    page.goto(f"{live_server.url}/login/")
    if page.get_by_label("Käyttäjätunnus").count() == 0:
        print("PROBE", n, page.url, page.title(), page.locator("main").inner_html()[:1500])
        page.screenshot(path=f"/tmp/login{n}.png")
