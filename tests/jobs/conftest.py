import pytest

from k0.jobs import registry


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Result files go to a temporary MEDIA_ROOT, never into the project's var/private."""
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def handler():
    """Registers a test-only job kind for the duration of a test; `handler.impl` is what it
    runs (set it in the test)."""

    class Slot:
        impl = staticmethod(lambda job: ("out.txt", "text/plain", b"ok"))

    slot = Slot()

    def run(job):
        return slot.impl(job)

    registry.job_handler("test_kind")(run)
    yield slot
    for table in (
        registry._handlers,
        registry._labels,
        registry._access_checks,
        registry._download_records,
    ):
        table.pop("test_kind", None)
