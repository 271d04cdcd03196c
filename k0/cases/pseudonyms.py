"""Stable pseudonyms for parties ("Pupil A", "Guardian of Pupil A"), for principals' views.

Plain Python (`pseudonyms`): the letter depends only on the order in which parties of one
kind were added to a case, so the same party keeps its pseudonym on every page and in every
document. `party_pseudonyms` applies it to a case's `Party` rows, in the user's language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from string import ascii_uppercase

from django.utils.translation import gettext as _


def letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA, … (spreadsheet-style)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = ascii_uppercase[rest] + name
    return name


@dataclass(frozen=True)
class PartyRef:
    id: int
    kind: str  # pupil | guardian | staff | other
    pupil_ids: tuple[int, ...] = ()  # for guardians: the pupils they are guardian of


def pseudonyms(parties: Iterable[PartyRef], labels: dict[str, str], guardian_of: str) -> dict:
    """Maps party id → pseudonym.

    `labels` gives the translated word per kind ("Pupil", "Staff member", …) and
    `guardian_of` a format string such as "Guardian of %(pupil)s". Parties are numbered per
    kind in id order; a guardian is named after the first of their pupils, with a number
    when a pupil has several guardians.
    """
    parties = sorted(parties, key=lambda p: p.id)
    names: dict[int, str] = {}
    counters: dict[str, int] = {}
    for party in parties:
        if party.kind == "guardian":
            continue
        n = counters.get(party.kind, 0)
        counters[party.kind] = n + 1
        names[party.id] = f"{labels[party.kind]} {letters(n)}"
    per_pupil: dict[int, int] = {}
    for party in parties:
        if party.kind != "guardian":
            continue
        pupils = [p for p in party.pupil_ids if p in names]
        if pupils:
            first = min(pupils)
            per_pupil[first] = per_pupil.get(first, 0) + 1
            name = guardian_of % {"pupil": names[first]}
            names[party.id] = name if per_pupil[first] == 1 else f"{name} ({per_pupil[first]})"
        else:
            n = counters.get("guardian", 0)
            counters["guardian"] = n + 1
            names[party.id] = f"{labels['guardian']} {letters(n)}"
    return names


def party_pseudonyms(parties) -> dict[int, str]:
    """Party id → pseudonym for a case's parties (with `pupil_links` prefetched), in the
    active language."""
    labels = {
        "pupil": _("Pupil"),
        "staff": _("Staff member"),
        "other": _("Other adult"),
        "guardian": _("Guardian"),
    }
    refs = [
        PartyRef(p.pk, p.kind, tuple(link.pupil_id for link in p.pupil_links.all()))
        for p in parties
    ]
    return pseudonyms(refs, labels, _("Guardian of %(pupil)s"))
