"""The party form with the person behind the party (`k0.cases.persons`).

When a party is added, the team is shown the earlier person records that may be the same
person — the same learner number, or the same name and year of birth — found only through
cases the user may see, and chooses explicitly: link to one of them, or create a new record.
Nothing is ever merged silently.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .forms import DateInput, PartyForm
from .persons import (
    EARLIEST_BIRTH_YEAR,
    Person,
    candidates_for,
    validate_learner_number,
    visible_cases_of,
)

NEW = "new"


class PersonPartyForm(PartyForm):
    """`PartyForm` plus, when adding, the person's year or date of birth and learner number,
    and the explicit choice between earlier records and a new one."""

    person_fields = ("birth_date", "birth_year", "learner_number")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates: list[Person] = []
        if self.instance.pk:
            return  # the person of an existing party is changed by an administrator only
        self.fields["birth_year"] = forms.IntegerField(
            label=_("Year of birth"),
            required=False,
            min_value=EARLIEST_BIRTH_YEAR,
            max_value=timezone.localdate().year,
            help_text=_("Helps to find earlier K-0 cases of the same person."),
        )
        self.fields["birth_date"] = forms.DateField(
            label=_("Date of birth (optional)"), required=False, widget=DateInput()
        )
        self.fields["birth_date"].widget.attrs.update(
            min=f"{EARLIEST_BIRTH_YEAR}-01-01", max=timezone.localdate().isoformat()
        )
        self.fields["learner_number"] = forms.CharField(
            label=_("Learner number (oppijanumero, optional)"),
            required=False,
            max_length=26,
            validators=[validate_learner_number],
            help_text=_("Never enter a personal identity code (henkilötunnus)."),
        )

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value and not (value.year >= EARLIEST_BIRTH_YEAR and value <= timezone.localdate()):
            raise forms.ValidationError(_("Check the date of birth."))
        return value

    def clean(self):
        data = super().clean()
        if self.instance.pk or self.user is None:
            return data
        birth_date, birth_year = data.get("birth_date"), data.get("birth_year")
        if birth_date and birth_year and birth_date.year != birth_year:
            self.add_error("birth_year", _("The year differs from the date of birth."))
        self.candidates = list(
            candidates_for(
                self.user,
                kind=data.get("kind") or "",
                name=data.get("name") or "",
                birth_year=birth_date.year if birth_date else birth_year,
                learner_number=data.get("learner_number") or "",
                exclude_case=self.case,
            )
        )
        if not self.candidates:
            return data
        choices = [(str(p.pk), self._candidate_label(p)) for p in self.candidates]
        choices.append((NEW, _("None of these: create a new person record")))
        self.fields["person_choice"] = forms.ChoiceField(
            label=_("Earlier records of the same person?"),
            choices=choices,
            widget=forms.RadioSelect,
            help_text=_(
                "These records in cases you may see match the learner number, or the name "
                "and year of birth. Link the party to one of them only if it is the same "
                "person."
            ),
        )
        chosen = self.data.get(self.add_prefix("person_choice"), "")
        if chosen not in dict(choices):
            self.add_error(
                "person_choice",
                _("Choose whether this is one of the earlier records or a new person."),
            )
        else:
            data["person_choice"] = chosen
        return data

    def _candidate_label(self, person: Person) -> str:
        cases = ", ".join(
            c.reference for c in visible_cases_of(self.user, person, exclude_case=self.case)
        )
        year = person.year_of_birth
        return f"{person.name}" + (f", {year}" if year else "") + f" ({cases})"

    def save(self, commit=True):
        party = super().save(commit=False)
        if not party.pk and party.person_id is None:
            party.person = self._chosen_or_new_person()
        if commit:
            party.save()
            self.save_m2m()
        return party

    def _chosen_or_new_person(self) -> Person:
        chosen = self.cleaned_data.get("person_choice")
        if chosen and chosen != NEW:
            return next(p for p in self.candidates if str(p.pk) == chosen)
        data = self.cleaned_data
        person = Person(
            kind=data["kind"],
            name=data["name"],
            birth_date=data.get("birth_date"),
            birth_year=data.get("birth_year")
            or (data["birth_date"].year if data.get("birth_date") else None),
            learner_number=data.get("learner_number") or "",
        )
        person._history_user = self.user
        person.save()
        return person
