"""Many K-0 users at once, each doing what their role does (run by `bin/loadtest`).

Simulated users are the `seed_bench` users listed by `manage.py loadtest_prepare` in
`var/loadtest/users.json`: each logs in once, with the two-factor step (codes from the
test device's key), then repeats the tasks of their role with a few seconds' thought between.

Request names group requests by page kind in the results ("case page", "save note", …); a
save counts as a success only when the app answered with its redirect after a saved form,
so `manage.py loadtest_check` can compare the tool's own count of saves with the database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import threading
import time
from pathlib import Path

from django_otp.oath import totp
from locust import HttpUser, between, events, task

USERS_FILE = Path(os.environ.get("LOADTEST_USERS_FILE", "var/loadtest/users.json"))
CASE_LINK = re.compile(r'href="/cases/(K0-[0-9]+-[0-9]+)/"')
PROGRESS_LINK = re.compile(r'href="/cases/(K0-[0-9]+-[0-9]+)/progress/"')
RESPONSIBLE = re.compile(r'<select name="responsible"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([0-9]+)"')
JOB_DOWNLOAD = re.compile(r'href="(/jobs/[0-9]+/download/)"')
JOB_FAILED = re.compile(r"hds-notification--error")

NOTE_MARK = "Kuormitustesti"  # loadtest_check counts the notes that start with it
_rng = random.Random()  # noqa: S311 - chooses pages to visit, not secrets
_people: dict[str, itertools.cycle] = {}
_lock = threading.Lock()


def _next_person(role: str) -> dict:
    """Each simulated user takes the next bench user of its role (round robin)."""
    with _lock:
        if not _people:
            listed = json.loads(USERS_FILE.read_text())
            for kind in ("team_member", "coordinator", "principal", "programme_office"):
                _people[kind] = itertools.cycle([p for p in listed if p["role"] == kind])
        return next(_people[role])


def _fail(name, reason):
    events.request.fire(
        request_type="CHECK",
        name=name,
        response_time=0,
        response_length=0,
        exception=RuntimeError(reason),
        context={},
    )


class K0User(HttpUser):
    abstract = True
    role = ""
    wait_time = between(2, 6)

    def on_start(self):
        self.person = _next_person(self.role)
        # As behind the production proxy: TLS ends there, and it says so to the app.
        self.client.headers.update({"Accept-Language": "fi", "X-Forwarded-Proto": "https"})
        send = self.client.request

        def request(*args, **kwargs):
            # The app's cookies are Secure (HTTPS only); the proxy's side of the connection
            # is plain HTTP, so the tool sends them as the proxy would.
            for cookie in self.client.cookies:
                cookie.secure = False
            return send(*args, **kwargs)

        self.client.request = request
        self.log_in()

    # -- log-in, once per simulated user ------------------------------------------------
    def log_in(self):
        self.client.get("/login/", name="log-in page")
        response = self.client.post(
            "/login/",
            {"username": self.person["username"], "password": self.person["password"]},
            headers=self._csrf(),
            name="log in",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"log-in of {self.person['username']}: {response.status_code}")
        # With two-factor required (production), the next page asks for the code.
        step = self.client.get("/login/verify/", name="log-in page: code", allow_redirects=False)
        if step.status_code == 200:
            code = f"{totp(bytes.fromhex(self.person['totp_key'])):06d}"
            response = self.client.post(
                "/login/verify/",
                {"token": code},
                headers=self._csrf(),
                name="log in: second factor",
                allow_redirects=False,
            )
            if response.status_code != 302:
                raise RuntimeError(f"second factor of {self.person['username']} was refused")

    def _csrf(self) -> dict:
        # The Referer the browser would send over HTTPS (CSRF checks it on secure requests).
        origin = self.host.replace("http://", "https://")
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Referer": f"{origin}/"}

    # -- helpers -------------------------------------------------------------------------
    def page(self, url, name):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            return response

    def save(self, url, data, name):
        """A form post: saved when the app answers with its redirect (a refused form answers
        200). The page after it must say "Saved"; if it does not (e.g. the case was closed
        meanwhile), that is counted as "<name>: not saved"."""
        with self.client.post(
            url, data, headers=self._csrf(), name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"not saved ({response.status_code})")
        if response.status_code == 302 and "/jobs/" not in response.headers["Location"]:
            after = self.client.get(response.headers["Location"], name=f"{name}: page after")
            if "hds-notification--success" not in after.text:
                _fail(f"{name}: not saved", "redirected without saving")
        return response

    def run_job(self, url, name):
        """Starts a job (a PDF, a calendar), waits for the worker and downloads the result."""
        response = self.save(url, {}, f"{name}: start")
        if response.status_code != 302:
            return
        job_url = response.headers["Location"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = self.client.get(
                job_url, headers={"HX-Request": "true", "K0-Background": "poll"}, name="job: poll"
            )
            link = JOB_DOWNLOAD.search(status.text)
            if link:
                self.page(link.group(1), f"{name}: download")
                return
            if JOB_FAILED.search(status.text):
                break
            time.sleep(1)
        _fail(f"{name}: finished", "job did not finish within 60 s")


class TeamMember(K0User):
    """A K-0 team member: case list, a case, notes, follow-ups, My work, a PDF, a calendar."""

    role = "team_member"
    weight = 12

    def on_start(self):
        super().on_start()
        self.cases = CASE_LINK.findall(self.page("/cases/", "case list").text) or []
        self.open_cases: list[str] = []

    @task(4)
    def case_list(self):
        found = CASE_LINK.findall(self.page("/cases/", "case list").text)
        self.cases = found or self.cases

    @task(6)
    def case_page(self):
        if not self.cases:
            return
        reference = _rng.choice(self.cases)
        page = self.page(f"/cases/{reference}/", "case page")
        # Notes and follow-ups are written in open cases, as a team does.
        if f"/cases/{reference}/referral/" in page.text and reference not in self.open_cases:
            self.open_cases.append(reference)

    def an_open_case(self):
        return _rng.choice(self.open_cases) if self.open_cases else None

    @task(3)
    def save_note(self):
        if reference := self.an_open_case():
            text = f"{NOTE_MARK} {time.time():.3f}: oppilaan kanssa sovittiin seuraavasta."
            self.save(f"/cases/{reference}/notes/add/", {"text": text}, "save note")

    @task(1)
    def schedule_follow_up(self):
        reference = self.an_open_case()
        if not reference:
            return
        form = self.page(f"/cases/{reference}/follow-ups/add/", "follow-up form")
        select = RESPONSIBLE.search(form.text)
        options = OPTION.findall(select.group(1)) if select else []
        if not options:
            return
        due = dt.date.today() + dt.timedelta(days=_rng.randint(7, 60))
        self.save(
            f"/cases/{reference}/follow-ups/add/",
            {"due_date": due.isoformat(), "responsible": options[0]},
            "save follow-up",
        )

    @task(3)
    def my_work(self):
        self.page("/work/", "my work")

    @task(1)
    def case_summary_pdf(self):
        if reference := self.an_open_case():
            self.run_job(f"/documents/cases/{reference}/summary/", "case summary PDF")

    @task(1)
    def follow_up_calendar(self):
        self.run_job("/work/calendar/", "follow-up calendar")


class Coordinator(K0User):
    role = "coordinator"
    weight = 1

    @task
    def my_schools(self):
        self.page("/cases/my-schools/", "coordinator: my schools")

    @task
    def case_list(self):
        self.page("/cases/", "case list")


class Principal(K0User):
    role = "principal"
    weight = 3

    @task(2)
    def overview(self):
        page = self.page("/cases/overview/", "principal: overview")
        self.progress = PROGRESS_LINK.findall(page.text)

    @task(3)
    def progress_page(self):
        if getattr(self, "progress", None):
            self.page(f"/cases/{_rng.choice(self.progress)}/progress/", "principal: progress")


class ProgrammeOffice(K0User):
    role = "programme_office"
    weight = 1
    wait_time = between(5, 15)

    @task(3)
    def dashboard(self):
        self.page("/indicators/", "indicators: dashboard")

    @task(2)
    def tables_by_area(self):
        self.page("/indicators/tables/?by=area", "indicators: tables by area")

    @task(1)
    def export(self):
        self.page("/indicators/export/csv/", "indicators: export")


# -- where the time goes ---------------------------------------------------------------
# With SERVER_TIMING=true the app says per answer how long it worked and how much of that was
# the database; what the tool measured beyond that was spent waiting for a free worker (and
# on the loopback network). Summed per page kind, written next to the tool's own statistics.
_timing: dict[str, list[float]] = {}
# Saves answered with the app's redirect over the whole run, including the ramp-up whose
# statistics `--reset-stats` leaves out: `loadtest_check` compares them with the database.
_saves: dict[str, int] = {}
SAVES = ("save note", "save follow-up")
SERVER_TIMING = re.compile(r"(app|db);dur=([0-9.]+)")


@events.request.add_listener
def _record(name, response_time, response=None, exception=None, **kwargs):
    if exception:
        if name.endswith(": not saved") and name.removesuffix(": not saved") in SAVES:
            _saves[name.removesuffix(": not saved")] = (
                _saves.get(name.removesuffix(": not saved"), 0) - 1
            )
        return
    if name in SAVES:
        _saves[name] = _saves.get(name, 0) + 1
    header = response.headers.get("Server-Timing") if response is not None else None
    if not header:
        return
    parts = dict(SERVER_TIMING.findall(header))
    total = _timing.setdefault(name, [0, 0.0, 0.0, 0.0])
    total[0] += 1
    total[1] += response_time
    total[2] += float(parts.get("app", 0))
    total[3] += float(parts.get("db", 0))


@events.reset_stats.add_listener
def _reset_timing(**kwargs):
    # The table describes the steady state after every user has logged in, as the tool's own
    # statistics do with --reset-stats; the count of saves goes on.
    _timing.clear()


@events.quitting.add_listener
def _write_results(environment, **kwargs):
    target = os.environ.get("LOADTEST_TIMING_FILE")
    if target:
        Path(target).write_text(json.dumps({"timing": _timing, "saves": _saves}))
