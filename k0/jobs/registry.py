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
generic failure and logged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Job

Handler = Callable[["Job"], tuple[str, str, bytes]]

_handlers: dict[str, Handler] = {}
_labels: dict[str, str] = {}
_download_checks: dict[str, Callable] = {}


class JobError(Exception):
    """A failure the user should read (plain words, no personal data, no traceback)."""


def job_handler(kind: str, *, label=None, on_download=None) -> Callable[[Handler], Handler]:
    """Registers `func` for jobs of `kind`; `label` (lazy-translated) names it on job pages.

    `on_download(request, job)`, if given, runs before every download of the result: it
    checks again that the requester may still see what the file is about (raising Http404
    otherwise) and records the access — a case PDF is personal data like the case page.
    """

    def register(func: Handler) -> Handler:
        if kind in _handlers and _handlers[kind] is not func:
            raise ValueError(f"A job handler for {kind!r} is already registered.")
        _handlers[kind] = func
        _labels[kind] = label or kind
        if on_download is not None:
            _download_checks[kind] = on_download
        return func

    return register


def get_handler(kind: str) -> Handler:
    try:
        return _handlers[kind]
    except KeyError:
        raise LookupError(f"No job handler for {kind!r}.") from None


def check_download(request, job) -> None:
    check = _download_checks.get(job.kind)
    if check is not None:
        check(request, job)


def label_for(kind: str) -> str:
    return _labels.get(kind, kind)


def kinds() -> set[str]:
    return set(_handlers)
