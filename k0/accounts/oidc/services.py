"""Who is who after a city log-in: the user, their profile and (optionally) their roles.

Only what the provider vouched for in a verified ID token (and its user-info answer for the
same subject) reaches these functions.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from schools.models import Membership

from .models import GroupMapping, Identity, MappedMembership

log = logging.getLogger("k0.auth")


def is_strong(claims: Mapping[str, Any]) -> bool:
    """The provider's authentication counts as K-0's second factor.

    Strong when `amr` holds one of OIDC_STRONG_AMR or `acr` is one of OIDC_STRONG_ACR; with
    both settings empty every provider log-in counts.
    """
    strong_amr = set(settings.OIDC_STRONG_AMR)
    strong_acr = set(settings.OIDC_STRONG_ACR)
    if not strong_amr and not strong_acr:
        return True
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    acr = claims.get("acr")
    return bool(strong_amr.intersection(v for v in amr if isinstance(v, str))) or (
        isinstance(acr, str) and acr in strong_acr
    )


def groups_of(claims: Mapping[str, Any]) -> list[str]:
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = [groups]
    return [group for group in groups if isinstance(group, str) and group]


def _username(issuer: str, subject: str) -> str:
    # Not the e-mail or the name: usernames show in places that need no personal data.
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()
    return f"oidc-{digest[:20]}"


def _language(locale: Any) -> str:
    if isinstance(locale, str):
        code = locale.replace("_", "-").split("-")[0].lower()
        if code in dict(settings.LANGUAGES):
            return code
    return settings.LANGUAGE_CODE


def _claim_text(claims: Mapping[str, Any], name: str, limit: int) -> str | None:
    value = claims.get(name)
    return value.strip()[:limit] if isinstance(value, str) and value.strip() else None


def _apply_profile(user, claims: Mapping[str, Any]) -> list[str]:
    """Copies name and e-mail from the claims; returns the fields that changed."""
    given = _claim_text(claims, "given_name", 150)
    family = _claim_text(claims, "family_name", 150)
    if given is None and family is None:
        # Only a display name: keep it whole rather than guess where the surname starts.
        given, family = _claim_text(claims, "name", 150), ""
    profile = {"first_name": given, "last_name": family}
    email = _claim_text(claims, settings.OIDC_EMAIL_CLAIM, 254)
    if email is not None:
        try:
            validate_email(email)
            profile["email"] = email
        except ValidationError:
            pass
    changed = []
    for field, value in profile.items():
        if value is not None and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    return changed


def user_for_login(*, issuer: str, subject: str, claims: Mapping[str, Any]):
    """The user of a verified city log-in, created at the first one.

    1. Find the identity by (issuer, subject) — never by e-mail.
    2. At the first log-in create the user: name, e-mail, language from `locale`, no usable
       password and no role (an administrator grants memberships, or the group mapping does).
    3. Later log-ins bring name and e-mail up to date; the language is the user's own choice.
    4. With OIDC_GROUP_MAPPING, bring the roles from provider groups up to date.
    """
    try:
        return _user_for_login(issuer, subject, claims)
    except IntegrityError:
        # Two first log-ins of the same person at once: the other one created the user.
        return _user_for_login(issuer, subject, claims)


def _user_for_login(issuer, subject, claims):
    with transaction.atomic():
        identity = (
            Identity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        if identity is None:
            user = get_user_model()(
                username=_username(issuer, subject), language=_language(claims.get("locale"))
            )
            user.set_unusable_password()
            _apply_profile(user, claims)
            user.save()
            identity = Identity.objects.create(user=user, issuer=issuer, subject=subject)
            log.info("city log-in created user_id=%s", user.pk)
        else:
            user = identity.user
            changed = _apply_profile(user, claims)
            if changed:
                user.save(update_fields=changed)
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        if settings.OIDC_GROUP_MAPPING:
            sync_mapped_roles(user, groups_of(claims))
    return user


def sync_mapped_roles(user, groups: Iterable[str]) -> None:
    """Gives and takes away the school roles that the group mapping table derives from
    `groups`. Memberships given by hand are neither removed nor duplicated."""
    wanted = set(
        GroupMapping.objects.filter(group__in=list(groups)).values_list("school_id", "role")
    )
    mapped = Membership.objects.filter(user=user, provider_grant__isnull=False)
    removed = 0
    for membership in mapped:
        if (membership.school_id, membership.role) not in wanted:
            membership.delete()  # one by one, so that the membership history records it
            removed += 1
    held = set(Membership.objects.filter(user=user).values_list("school_id", "role"))
    added = 0
    for school_id, role in sorted(wanted - held):
        membership = Membership.objects.create(user=user, school_id=school_id, role=role)
        MappedMembership.objects.create(membership=membership)
        added += 1
    if added or removed:
        log.info(
            "roles from provider groups user_id=%s added=%s removed=%s", user.pk, added, removed
        )
