"""What each indicator counts and where it is published: the one place that says so.

The spec has three parts, read by everything else:

- `FAMILIES`: the populations counted (cases referred, cases closed, parties of resolved
  cases, …) and the column codes each is split into. `queries` fills them, `linked`
  suppresses each one as a whole.
- `INDICATORS`: one entry per published indicator — code, names, unit, rule, the family it
  reads and which of its columns (`cells`). Exports, the BI endpoint and the definitions
  sheet list them in this order.
- `TABLES`: the tables of the pages and the PDF, each a title and the indicators whose
  columns it shows, in order (a total such as `cases_referred` may close several tables).

`docs/indicators.md` repeats these rules for readers outside the code (a test checks that
it lists exactly these codes); the codes are a contract for exports and the BI endpoint
(add new ones, never rename). Names are given in Finnish (the programme's reporting
language) and English; the interface shows the English source string translated into the
user's language.

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

from k0.cases.choices import (
    AgreementsAssessment,
    BullyingAssessment,
    BullyingForm,
    InterventionKind,
    NoticeKind,
    Outcome,
    ReferralSource,
    SituationAssessment,
)

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
# 2: notices counted by kind (family "referred"), police involvement read from the notices.
# 2 also: follow-up assessments counted per party (each party's latest answer in the period).
# 2 also: the parties of resolved cases count distinct persons (`queries._distinct_persons`).
DEFINITIONS_VERSION = 2


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


# --- families: the populations counted --------------------------------------------------

# A family's column that is not one of its counts: worked out from them when a table is built.
TOTAL = "__total__"  # the family's total (every block of a family adds up to it)
SHARE = "__share__"  # police involvement in per cent of the cases referred
MEDIAN = "__median__"  # median days from referral to closure

NOT_ASSESSED = "not_assessed"
# "with" and "without" a feature: both are needed so the block adds up to the cases (a
# reader can compute the "without" count from a published total anyway). Only "with" is
# published, under the indicator's own heading, so these have no label.
_FLAG = (("with", None), ("without", None))
_COUNT = (("count", None),)


@dataclass(frozen=True)
class Block:
    """Columns that split the same population, so they add up to its total.

    `categories` are (code, label) pairs; `label` names the block where an indicator
    publishes one column of each of several blocks (the forms of bullying).
    """

    code: str
    categories: tuple[tuple[str, Promise | str | None], ...]
    label: Promise | str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(code for code, _label in self.categories)


@dataclass(frozen=True)
class Family:
    """One population and its blocks, suppressed together for all its breakdowns; whether
    it can be split by grade band (pupils only). `queries.COUNTERS` says how it is counted."""

    code: str
    blocks: tuple[Block, ...]
    grade_bands: bool = False

    @property
    def columns(self) -> list[str]:
        return [f"{block.code}:{column}" for block in self.blocks for column in block.columns]

    def block(self, code: str) -> Block:
        return next(block for block in self.blocks if block.code == code)


_NOT_ASSESSED = (NOT_ASSESSED, _("Not assessed"))

FAMILIES = {
    family.code: family
    for family in [
        Family(
            "referred",
            (
                Block("source", tuple(ReferralSource.choices)),
                Block("police", _FLAG),
                *(Block(f"form_{form}", _FLAG, label) for form, label in BullyingForm.choices),
                *(Block(f"notice_{kind}", _FLAG, label) for kind, label in NoticeKind.choices),
            ),
        ),
        Family("open", (Block("open", _COUNT),)),
        Family("closed", (Block("outcome", tuple(Outcome.choices)),)),
        Family("interventions", (Block("kind", tuple(InterventionKind.choices)),)),
        Family("follow_ups", (Block("done", _COUNT),)),
        # Per party: each party's (or group's) latest follow-up answer in the period.
        Family(
            "follow_up_answers",
            (
                Block("bullying", (*BullyingAssessment.choices, _NOT_ASSESSED)),
                Block("situation", (*SituationAssessment.choices, _NOT_ASSESSED)),
                Block("agreements", (*AgreementsAssessment.choices, _NOT_ASSESSED)),
            ),
        ),
        Family("central", (Block("central", _COUNT),), grade_bands=True),
        Family(
            "bystanders",
            (
                Block(
                    "bystanders",
                    (
                        ("individual", _("Bystanders recorded individually")),
                        ("in_groups", _("Bystanders in groups (head counts)")),
                    ),
                ),
            ),
            grade_bands=True,
        ),
        Family("children_met", (Block("children", _COUNT),), grade_bands=True),
        Family("guardians_met", (Block("guardians", _COUNT),)),
        Family("staff_consulted", (Block("staff", _COUNT),)),
    ]
}


# --- indicators ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One published column of an indicator: a category of it (or None for the indicator
    itself), its heading, and the family column it reads (or TOTAL, SHARE, MEDIAN)."""

    category: str | None
    label: Promise | str
    column: str


@dataclass(frozen=True)
class Indicator:
    """One published indicator.

    `cells` say which of its family's columns it publishes, each one of:

    - `"block:column"`, one count (`"police:with"`), headed by `heading` or the label;
    - `"block:*"`, one column per category of the block, headed by the category's label;
    - `"prefix*:column"`, that column of every block whose code starts with the prefix,
      the rest of the block code being the category, headed by the block's label;
    - `TOTAL`, `SHARE` or `MEDIAN`, headed by `heading` or the label.
    """

    code: str
    label: Promise  # English source, shown translated
    name_fi: str
    unit: str  # cases | persons | interventions | follow_ups | days | percent
    rule: Promise
    family: str  # a key of FAMILIES
    cells: tuple[str, ...]
    heading: Promise | None = None  # a table's column heading, where shorter than the label

    @property
    def name_en(self) -> str:
        with translation.override("en"):
            return str(self.label)

    def names(self) -> dict[str, str]:
        return {"fi": self.name_fi, "en": self.name_en}

    @property
    def grade_bands(self) -> bool:
        """Whether a grade-band breakdown is offered: its population are pupils."""
        return FAMILIES[self.family].grade_bands

    @property
    def columns(self) -> list[Cell]:
        family = FAMILIES[self.family]
        out = []
        for cell in self.cells:
            block, _sep, column = cell.partition(":")
            if block.endswith("*"):
                prefix = block[:-1]
                out += [
                    Cell(b.code.removeprefix(prefix), b.label, f"{b.code}:{column}")
                    for b in family.blocks
                    if b.code.startswith(prefix)
                ]
            elif column == "*":
                out += [
                    Cell(code, label, f"{block}:{code}")
                    for code, label in family.block(block).categories
                ]
            else:
                out.append(Cell(None, self.heading or self.label, cell))
        return out


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
    "K0_RESOLVED_OUTCOMES). Each person counts once, however many of their cases closed in "
    "the period; in a breakdown, in the area, school kind and grade band of their case "
    "closed last in the period."
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
        family="referred",
        cells=(TOTAL,),
    ),
    Indicator(
        "referral_sources",
        _("Cases referred by referral source"),
        "Vireille tulleet tapaukset ohjaavan tahon mukaan",
        "cases",
        _REFERRED,
        family="referred",
        cells=("source:*",),
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
        family="referred",
        cells=("form_*:with",),
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
        family="referred",
        cells=("police:with",),
        heading=_("With police involvement"),
    ),
    Indicator(
        "notices",
        _("Cases referred by kind of notice"),
        "Vireille tulleet tapaukset ilmoituksen lajin mukaan",
        "cases",
        _(
            "Among the cases referred in the period, the number with at least one notice of "
            "each kind recorded (child welfare notification, crime report, police request for "
            "assistance, other). A case may have several kinds, so they do not add up to the "
            "cases."
        ),
        family="referred",
        cells=("notice_*:with",),
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
        family="referred",
        cells=(SHARE,),
        heading=_("Share (%)"),
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
        family="open",
        cells=("open:count",),
        heading=_("Open cases"),
    ),
    Indicator(
        "cases_closed",
        _("Cases closed"),
        "Päätetyt tapaukset",
        "cases",
        _CLOSED,
        family="closed",
        cells=(TOTAL,),
    ),
    Indicator(
        "cases_closed_by_outcome",
        _("Cases closed by outcome"),
        "Päätetyt tapaukset lopputuloksen mukaan",
        "cases",
        _CLOSED,
        family="closed",
        cells=("outcome:*",),
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
        family="closed",
        cells=(MEDIAN,),
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
        family="central",
        cells=("central:count",),
        heading=_("Central parties"),
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
        family="bystanders",
        cells=("bystanders:*", TOTAL),
        heading=_("Bystander parties"),
    ),
    Indicator(
        "children_met",
        _("Children met"),
        "Tavatut lapset",
        "persons",
        _in_resolved(_("Pupil parties (central or bystander) with a date heard recorded.")),
        family="children_met",
        cells=("children:count",),
    ),
    Indicator(
        "guardians_met",
        _("Guardians met"),
        "Tavatut huoltajat",
        "persons",
        _in_resolved(_("Guardian parties with a date heard recorded.")),
        family="guardians_met",
        cells=("guardians:count",),
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
        family="staff_consulted",
        cells=("staff:count",),
    ),
    Indicator(
        "interventions_done",
        _("Interventions done"),
        "Tehdyt toimenpiteet",
        "interventions",
        _("Interventions marked done whose date falls in the period, in any case."),
        family="interventions",
        cells=(TOTAL,),
    ),
    Indicator(
        "interventions_by_kind",
        _("Interventions done by kind"),
        "Tehdyt toimenpiteet lajeittain",
        "interventions",
        _("Interventions marked done whose date falls in the period, by kind."),
        family="interventions",
        cells=("kind:*",),
    ),
    Indicator(
        "follow_ups_done",
        _("Follow-ups done"),
        "Tehdyt seurannat",
        "follow_ups",
        _("Follow-ups whose date done falls in the period, in any case."),
        family="follow_ups",
        cells=(TOTAL,),
    ),
    Indicator(
        "parties_followed_up",
        _("Parties followed up"),
        "Seurannassa kuullut osalliset",
        "persons",
        _(
            "Parties (and bystander groups) who answered at a follow-up done in the period, "
            "each counted once, with their latest answers in the period."
        ),
        family="follow_up_answers",
        cells=(TOTAL,),
    ),
    Indicator(
        "follow_up_bullying",
        _("Follow-up assessment: bullying"),
        "Seurannan arvio: kiusaaminen",
        "persons",
        _(
            "Parties followed up in the period by their latest answer about bullying (or not "
            "assessed)."
        ),
        family="follow_up_answers",
        cells=("bullying:*",),
    ),
    Indicator(
        "follow_up_situation",
        _("Follow-up assessment: situation"),
        "Seurannan arvio: tilanne",
        "persons",
        _(
            "Parties followed up in the period by their latest answer about the situation (or "
            "not assessed)."
        ),
        family="follow_up_answers",
        cells=("situation:*",),
    ),
    Indicator(
        "follow_up_agreements",
        _("Follow-up assessment: agreements"),
        "Seurannan arvio: sopimukset",
        "persons",
        _(
            "Parties followed up in the period by how their agreements were kept at their "
            "latest follow-up (or not assessed)."
        ),
        family="follow_up_answers",
        cells=("agreements:*",),
    ),
]
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}

# Indicators about parties in resolved cases share this rule; shown once above their table.
RESOLVED_RULE = _RESOLVED


# --- tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    """A table of the pages and the PDF: the columns of these indicators, in this order,
    under the rule of the first one unless the table has its own description."""

    code: str
    title: Promise
    indicators: tuple[str, ...]
    description: Promise | None = None

    @property
    def rule(self) -> Promise:
        return self.description or BY_CODE[self.indicators[0]].rule


TABLES = [
    TableSpec(
        "referred",
        _("Cases referred, by referral source"),
        ("referral_sources", "cases_referred"),
    ),
    TableSpec(
        "police",
        _("Police involvement in cases referred"),
        ("police_involvement", "police_involvement_share", "cases_referred"),
    ),
    TableSpec(
        "forms",
        _("Forms of bullying in cases referred"),
        ("forms_of_bullying", "cases_referred"),
    ),
    TableSpec(
        "notices",
        _("Notices in cases referred"),
        ("notices", "cases_referred"),
    ),
    TableSpec("open", _("Cases open at the end of the period"), ("cases_open_at_end",)),
    TableSpec(
        "closed",
        _("Cases closed, by outcome"),
        ("cases_closed_by_outcome", "cases_closed", "median_days_to_closure"),
    ),
    TableSpec(
        "parties",
        _("Pupils in resolved cases"),
        ("central_parties_resolved", "bystander_parties_resolved", "children_met"),
        description=RESOLVED_RULE,
    ),
    TableSpec(
        "adults",
        _("Adults met in resolved cases"),
        ("guardians_met", "staff_consulted"),
        description=RESOLVED_RULE,
    ),
    TableSpec(
        "interventions",
        _("Interventions done, by kind"),
        ("interventions_by_kind", "interventions_done"),
    ),
    TableSpec("follow_ups", _("Follow-ups done"), ("follow_ups_done",)),
    TableSpec(
        "follow_up_bullying",
        _("Follow-up assessments: bullying has"),
        ("follow_up_bullying", "parties_followed_up"),
    ),
    TableSpec(
        "follow_up_situation",
        _("Follow-up assessments: the situation is"),
        ("follow_up_situation", "parties_followed_up"),
    ),
    TableSpec(
        "follow_up_agreements",
        _("Follow-up assessments: agreements have been"),
        ("follow_up_agreements", "parties_followed_up"),
    ),
]

# The dashboard's cards, the programme's headline first, and the series of the trend chart:
# whole-city figures of these indicators.
HEADLINE = [
    "central_parties_resolved",
    "bystander_parties_resolved",
    "cases_referred",
    "cases_closed",
    "cases_open_at_end",
    "median_days_to_closure",
]
TREND = [
    "cases_referred",
    "cases_closed",
    "central_parties_resolved",
    "bystander_parties_resolved",
]


def table_of(code: str) -> str:
    """The first table that shows an indicator: where its whole-city figure is read."""
    return next(table.code for table in TABLES if code in table.indicators)


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
