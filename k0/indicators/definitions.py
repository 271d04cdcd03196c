"""What each indicator counts: the one place that says so.

`docs/indicators.md` repeats these rules for readers outside the code; the codes are a
contract for exports and the BI endpoint (add new ones, never rename). Names are given in
Finnish (the programme's reporting language) and English; the interface shows the English
source string translated into the user's language.

Every indicator counts only categorical fields of a case (dates, outcome, kinds, grades,
flags), which the retention purge keeps, so published figures survive pseudonymisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from k0.cases.choices import Outcome

# Who the headline pair counts (pupils only) is one rule with the principal's case page, so
# it lives with the case; re-exported here for the indicators.
from k0.cases.counting import (  # noqa: F401
    BYSTANDER_PARTIES_RULE,
    CENTRAL_PARTIES_RULE,
    is_bystander_party,
    is_central_party,
    party_counts,
)

# The suppressed-cell marker. Not "<5": that would publish a range, i.e. part of the value.
MARKER = "•"

BREAKDOWN_AREA = "area"
BREAKDOWN_SCHOOL_KIND = "school_kind"
BREAKDOWN_GRADE_BAND = "grade_band"
# The fixed hierarchy: the city total, split by exactly one of these. No free filters, so
# no two published tables differ by a handful of cases (differencing).
BREAKDOWNS = {
    BREAKDOWN_AREA: _("Area"),
    BREAKDOWN_SCHOOL_KIND: _("School kind"),
    BREAKDOWN_GRADE_BAND: _("Grade band"),
}
CITY = "total"

# Bumped whenever a counting rule changes: frozen figures of ended periods (`models.
# IndicatorSnapshot`) are kept per version, so a new rule never mixes with old counts.
DEFINITIONS_VERSION = 1


@dataclass(frozen=True)
class GradeBand:
    code: str
    label: Promise
    name_fi: str
    grades: frozenset[int]


GRADE_BANDS = [
    GradeBand("pre_school", _("Pre-school (0)"), "Esiopetus (0)", frozenset({0})),
    GradeBand("grades_1_2", _("Grades 1–2"), "Vuosiluokat 1–2", frozenset({1, 2})),
    GradeBand("grades_3_6", _("Grades 3–6"), "Vuosiluokat 3–6", frozenset(range(3, 7))),
    GradeBand("grades_7_9", _("Grades 7–9"), "Vuosiluokat 7–9", frozenset(range(7, 10))),
    GradeBand(
        "upper_secondary",
        _("Upper secondary (10–13)"),
        "Toinen aste (10–13)",
        frozenset(range(10, 14)),
    ),
    GradeBand("unknown", _("Grade not recorded"), "Luokka-aste ei tiedossa", frozenset()),
]
UNKNOWN_BAND = "unknown"


def grade_band(grade: int | None) -> str:
    """The band of a pupil's (or a group's) grade; a missing grade is a band of its own."""
    for band in GRADE_BANDS:
        if grade in band.grades:
            return band.code
    return UNKNOWN_BAND


@dataclass(frozen=True)
class Indicator:
    code: str
    label: Promise  # English source, shown translated
    name_fi: str
    unit: str  # cases | persons | interventions | follow_ups | days | percent
    rule: Promise
    grade_bands: bool = False  # whether a grade-band breakdown is offered

    @property
    def name_en(self) -> str:
        with translation.override("en"):
            return str(self.label)

    def names(self) -> dict[str, str]:
        return {"fi": self.name_fi, "en": self.name_en}


_REFERRED = _(
    "Counted among the cases whose referral date (referred on) falls in the period, whatever "
    "their phase now."
)
_CLOSED = _(
    "Counted among the cases whose closing time, as a date in Helsinki, falls in the period. "
    "A case that was reopened and closed again counts once, by its latest closing."
)
_RESOLVED = _(
    "Counted in the cases closed in the period (latest closing, date in Helsinki) with an "
    "outcome counted as resolved: by default resolved or improved (setting "
    "K0_RESOLVED_OUTCOMES). Each party record is one person; a person in two such cases "
    "counts in each."
)


def _in_resolved(rule: Promise) -> Promise:
    """A party indicator's rule, preceded by the population it counts in."""
    return format_lazy("{} {}", _RESOLVED, rule)


INDICATORS = [
    Indicator(
        "cases_referred",
        _("Cases referred"),
        "Vireille tulleet tapaukset",
        "cases",
        _REFERRED,
    ),
    Indicator(
        "referral_sources",
        _("Cases referred by referral source"),
        "Vireille tulleet tapaukset ohjaavan tahon mukaan",
        "cases",
        _REFERRED,
    ),
    Indicator(
        "forms_of_bullying",
        _("Cases referred by form of bullying"),
        "Vireille tulleet tapaukset kiusaamisen muodon mukaan",
        "cases",
        _(
            "Among the cases referred in the period, the number with each form of bullying "
            "recorded. A case may have several forms, so the forms do not add up to the cases."
        ),
    ),
    Indicator(
        "police_involvement",
        _("Cases referred with police involvement"),
        "Vireille tulleet tapaukset, joissa poliisi on osallisena",
        "cases",
        _(
            "Among the cases referred in the period, those with a crime report or a police "
            "request for assistance recorded."
        ),
    ),
    Indicator(
        "police_involvement_share",
        _("Share of cases referred with police involvement"),
        "Poliisin osallisuus, osuus vireille tulleista tapauksista",
        "percent",
        _(
            "Cases with police involvement divided by cases referred, in per cent with one "
            "decimal; shown only where both numbers are published."
        ),
    ),
    Indicator(
        "cases_open_at_end",
        _("Cases open at the end of the period"),
        "Avoimet tapaukset kauden lopussa",
        "cases",
        _(
            "Cases referred on or before the last day of the period and not closed by then "
            "(never closed, or latest closing after the last day, as a date in Helsinki)."
        ),
    ),
    Indicator(
        "cases_closed",
        _("Cases closed"),
        "Päätetyt tapaukset",
        "cases",
        _CLOSED,
    ),
    Indicator(
        "cases_closed_by_outcome",
        _("Cases closed by outcome"),
        "Päätetyt tapaukset lopputuloksen mukaan",
        "cases",
        _CLOSED,
    ),
    Indicator(
        "median_days_to_closure",
        _("Median days from referral to closure"),
        "Vireilletulosta päättämiseen kuluneiden päivien mediaani",
        "days",
        _(
            "Among the cases closed in the period: days from the referral date to the closing "
            "date (in Helsinki); the median. Shown only where the number of cases closed is "
            "published."
        ),
    ),
    Indicator(
        "central_parties_resolved",
        _("Central parties in resolved cases"),
        "Keskeiset osalliset ratkaistuissa tapauksissa",
        "persons",
        _in_resolved(
            format_lazy(
                "{} {}",
                CENTRAL_PARTIES_RULE,
                _("Guardians and staff are counted in their own indicators."),
            )
        ),
        grade_bands=True,
    ),
    Indicator(
        "bystander_parties_resolved",
        _("Bystander parties in resolved cases"),
        "Sivulliset ratkaistuissa tapauksissa",
        "persons",
        _in_resolved(
            format_lazy(
                "{} {}",
                BYSTANDER_PARTIES_RULE,
                _(
                    "A pupil recorded both alone and within a group counts twice: the two "
                    "cannot be told apart in the records."
                ),
            )
        ),
        grade_bands=True,
    ),
    Indicator(
        "children_met",
        _("Children met"),
        "Tavatut lapset",
        "persons",
        _in_resolved(_("Pupil parties (central or bystander) with a date heard recorded.")),
        grade_bands=True,
    ),
    Indicator(
        "guardians_met",
        _("Guardians met"),
        "Tavatut huoltajat",
        "persons",
        _in_resolved(_("Guardian parties with a date heard recorded.")),
    ),
    Indicator(
        "staff_consulted",
        _("Staff consulted"),
        "Konsultoitu henkilökunta",
        "persons",
        _in_resolved(
            _(
                "School staff parties with a date heard recorded, or listed as participants of at "
                "least one intervention marked done."
            )
        ),
    ),
    Indicator(
        "interventions_done",
        _("Interventions done"),
        "Tehdyt toimenpiteet",
        "interventions",
        _("Interventions marked done whose date falls in the period, in any case."),
    ),
    Indicator(
        "interventions_by_kind",
        _("Interventions done by kind"),
        "Tehdyt toimenpiteet lajeittain",
        "interventions",
        _("Interventions marked done whose date falls in the period, by kind."),
    ),
    Indicator(
        "follow_ups_done",
        _("Follow-ups done"),
        "Tehdyt seurannat",
        "follow_ups",
        _("Follow-ups whose date done falls in the period, in any case."),
    ),
    Indicator(
        "follow_up_bullying",
        _("Follow-up assessment: bullying"),
        "Seurannan arvio: kiusaaminen",
        "follow_ups",
        _("Follow-ups done in the period by the assessment of bullying (or not assessed)."),
    ),
    Indicator(
        "follow_up_situation",
        _("Follow-up assessment: situation"),
        "Seurannan arvio: tilanne",
        "follow_ups",
        _("Follow-ups done in the period by the assessment of the situation (or not assessed)."),
    ),
    Indicator(
        "follow_up_agreements",
        _("Follow-up assessment: agreements"),
        "Seurannan arvio: sopimukset",
        "follow_ups",
        _("Follow-ups done in the period by the assessment of agreements (or not assessed)."),
    ),
]
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}

# Indicators about parties in resolved cases share this rule; shown once above their table.
RESOLVED_RULE = _RESOLVED


def threshold() -> int:
    return settings.K0_SUPPRESSION_THRESHOLD


def resolved_outcomes() -> list[str]:
    return list(settings.K0_RESOLVED_OUTCOMES)


def resolved_labels() -> list[str]:
    labels = dict(Outcome.choices)
    return [str(labels.get(code, code)) for code in resolved_outcomes()]


def suppression_note(limit: int | None = None) -> dict[str, str]:
    """The note every output carries, in the three languages of the service."""
    n = limit or threshold()
    return {
        "fi": (
            f"{MARKER} = alle {n} henkilöä tai luku, josta pieni määrä voitaisiin päätellä; "
            "ei julkaista."
        ),
        "sv": (
            f"{MARKER} = färre än {n} personer eller ett tal som kan avslöja ett litet antal; "
            "publiceras inte."
        ),
        "en": f"{MARKER} = fewer than {n} persons or could reveal a small number; not published.",
    }


def note_in(language: str | None, limit: int | None = None) -> str:
    notes = suppression_note(limit)
    return notes.get((language or "en")[:2], notes["en"])
