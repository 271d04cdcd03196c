"""Who counts as a central and as a bystander party of a case: one rule for the principal's
progress page and for the indicators (`k0.indicators.definitions` imports it from here), so
a principal and the programme office never read two different numbers for one case.

Pupils only (see docs/indicators.md, Definitions): guardians are recorded with the role of
their child and staff may be bystanders too; counting them would count families twice.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .choices import PartyKind, PartyRole

CENTRAL_PARTIES_RULE = _("Pupils recorded as central parties.")
BYSTANDER_PARTIES_RULE = _(
    "Pupils recorded individually as bystanders, plus the head counts of bystander groups."
)


def is_central_party(kind: str, role: str) -> bool:
    """Whether a party counts among the central parties: a pupil with the central role."""
    return kind == PartyKind.PUPIL and role == PartyRole.CENTRAL


def is_bystander_party(kind: str, role: str) -> bool:
    """Whether a party counts individually among the bystander parties: a bystander pupil."""
    return kind == PartyKind.PUPIL and role == PartyRole.BYSTANDER


def party_counts(parties, groups) -> tuple[int, int]:
    """(central parties, bystander parties) of one case's parties and bystander groups,
    counted as the indicators count them; objects with `kind`/`role` and `head_count`."""
    central = sum(1 for p in parties if is_central_party(p.kind, p.role))
    bystanders = sum(1 for p in parties if is_bystander_party(p.kind, p.role))
    return central, bystanders + sum(g.head_count for g in groups)
