"""Which function runs which kind of job.

Apps register handlers in a `job_handlers.py` module (imported by `JobsConfig.ready`):

    @job_handler("my_follow_ups_ics")
    def my_follow_ups_ics(job) -> tuple[str, str, bytes]:
        ...
        job.set_progress(50)
        ...
        return "follow-ups.ics", "text/calendar", data

A handler gets the `Job` (with `requested_by` and `params`), reports progress with
`job.set_progress(pct)` and returns (file name, content type, bytes). It raises `JobError`
with a message for the user when the job cannot be done; any other exception is shown as a
generic failure and logged. A handler whose result holds records of several cases (chosen by
what the requester could see when it ran) lists them in `job.result_case_ids`, so that its
access check can tell later whether the requester still sees them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Job

Handler = Callable[["Job"], tuple[str, str, bytes]]

_handlers: dict[str, Handler] = {}
_labels: dict[str, str] = {}
_access_checks: dict[str, Callable] = {}
_download_records: dict[str, Callable] = {}


class JobError(Exception):
    """A failure the user should read (plain words, no personal data, no traceback)."""


def job_handler(
    kind: str, *, label=None, allowed=None, on_download=None
) -> Callable[[Handler], Handler]:
    """Registers `func` for jobs of `kind`; `label` (lazy-translated) names it on job pages.

    `allowed(user, job) -> bool`, if given, says whether the requester may still see what
    the job is about — now, not when it was started: a member taken off a case, or a user
    whose role was removed, must not keep its PDF. It is asked before the job runs, on the
    job page and before every download; when it says no, the job page shows only that the
    result is no longer available (never the file name, which holds a case reference).

    `on_download(request, job)`, if given, runs after that check on every download and
    records the access — a case PDF is personal data like the case page.
    """

    def register(func: Handler) -> Handler:
        if kind in _handlers and _handlers[kind] is not func:
            raise ValueError(f"A job handler for {kind!r} is already registered.")
        _handlers[kind] = func
        _labels[kind] = label or kind
        if allowed is not None:
            _access_checks[kind] = allowed
        if on_download is not None:
            _download_records[kind] = on_download
        return func

    return register


def get_handler(kind: str) -> Handler:
    try:
        return _handlers[kind]
    except KeyError:
        raise LookupError(f"No job handler for {kind!r}.") from None


def may_see(user, job) -> bool:
    """Whether `user` (the requester) may still see what `job` is about."""
    check = _access_checks.get(job.kind)
    return check is None or bool(check(user, job))


def record_download(request, job) -> None:
    record = _download_records.get(job.kind)
    if record is not None:
        record(request, job)


def label_for(kind: str) -> str:
    return _labels.get(kind, kind)


def kinds() -> set[str]:
    return set(_handlers)
