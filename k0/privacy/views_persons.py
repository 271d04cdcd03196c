"""Possible duplicate person records, for administrators: review side by side, merge (a
logged `PersonMerge` that can be undone) or dismiss. Records are shown with the references
of their cases only; the merge is written to each case's access log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from k0.cases.audit import log_access
from k0.cases.models import AccessAction, Case
from k0.cases.persons import Person, PersonDuplicate, PersonMerge

from .views import administrator_required


def _cases_of(person: Person):
    return list(
        Case.objects.filter(parties__person=person)
        .distinct()
        .select_related("school")
        .order_by("referred_on", "pk")
    )


@administrator_required
def duplicates(request):
    rows = (
        PersonDuplicate.objects.filter(dismissed_at__isnull=True, merge__isnull=True)
        .select_related("first", "second")
        .order_by("proposed_at", "pk")[:200]
    )
    merges = PersonMerge.objects.select_related("kept", "merged", "merged_by")[:50]
    return render(request, "privacy/duplicates.html", {"rows": rows, "merges": merges})


@administrator_required
def duplicate_review(request, pk):
    """GET: the two records side by side. POST: merge (keeping the chosen one) or dismiss."""
    duplicate = get_object_or_404(PersonDuplicate.objects.select_related("first", "second"), pk=pk)
    if not duplicate.is_open:
        messages.info(request, _("This proposal has already been handled."))
        return redirect("privacy:duplicates")
    records = [duplicate.first, duplicate.second]
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "dismiss":
            duplicate.dismissed_at = timezone.now()
            duplicate.save(update_fields=["dismissed_at"])
            messages.success(request, _("The proposal was dismissed."))
            return redirect("privacy:duplicates")
        keep = {str(p.pk): p for p in records}.get(request.POST.get("keep", ""))
        if action == "merge" and keep is not None:
            other = records[1] if keep is records[0] else records[0]
            try:
                merge = PersonMerge.merge(kept=keep, merged=other, by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                duplicate.merge = merge
                duplicate.save(update_fields=["merge"])
                for case in _cases_of(keep):
                    log_access(request, case, AccessAction.CHANGE, role="administrator")
                messages.success(request, _("The records were merged. The merge can be undone."))
                return redirect("privacy:duplicates")
        else:
            messages.error(request, _("Choose the record to keep."))
    context = {
        "duplicate": duplicate,
        "records": [{"person": p, "cases": _cases_of(p)} for p in records],
    }
    return render(request, "privacy/duplicate_review.html", context)


@administrator_required
def merge_undo(request, pk):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    merge = get_object_or_404(PersonMerge, pk=pk)
    try:
        merge.undo(by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        PersonDuplicate.objects.filter(merge=merge).update(merge=None)
        for case in _cases_of(merge.merged):
            log_access(request, case, AccessAction.CHANGE, role="administrator")
        messages.success(request, _("The merge was undone."))
    return redirect("privacy:duplicates")
