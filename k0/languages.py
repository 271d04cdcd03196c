"""The interface language cookie, written in one place: by the language switch
(`k0.views.set_language`) and at log-in, with the user's own language (`k0.accounts`)."""

from django.conf import settings


def set_language_cookie(response, lang: str):
    """Switches the interface to `lang` from the next page on (nothing if `lang` is empty)."""
    if lang:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            lang,
            max_age=365 * 24 * 3600,
            secure=not settings.DEBUG,
            httponly=True,
            samesite="Lax",
        )
    return response
