import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Phase
from .models import Case


class CaseFilter(django_filters.FilterSet):
    """Filters of the case list. Starts from `Case.objects.visible_to(user)`, never wider."""

    q = django_filters.CharFilter(
        field_name="reference",
        lookup_expr="icontains",
        label=_("Case reference"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "K0-…"}),
    )
    phase = django_filters.ChoiceFilter(
        choices=Phase.choices, label=_("Phase"), empty_label=_("All phases")
    )
    school = django_filters.ModelChoiceFilter(
        queryset=None, label=_("School"), empty_label=_("All schools")
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("Overdue follow-ups only"),
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Case
        fields = ["q", "phase", "school", "overdue"]

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["school"].queryset = schools

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            follow_ups__done_at__isnull=True,
            follow_ups__not_needed_on__isnull=True,
            follow_ups__due_date__lt=timezone.localdate(),
        ).distinct()
