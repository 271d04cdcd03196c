"""Apps follow case changes without cases importing them (`k0.cases.changes`)."""

import pytest
from django.db import transaction

from k0.cases import changes


@pytest.fixture
def heard(monkeypatch):
    calls = []
    monkeypatch.setattr(changes, "_followers", [calls.append])
    return calls


def test_a_follower_hears_of_a_change_after_commit(case, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case.record_activity()
        assert heard == []  # not before the change is committed
    assert heard == [case.pk]


def test_a_rolled_back_change_is_not_announced(case, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                case.record_activity()
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == [] and heard == []


def test_reminders_follows_case_changes():
    from k0.reminders.followers import case_changed

    assert case_changed in changes._followers
