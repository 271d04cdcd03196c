"""Start-up checks of the indicator settings: a typo must not silently change what counts."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def indicator_settings(app_configs=None, **kwargs):
    from k0.cases.choices import Outcome

    errors = []
    threshold = settings.K0_SUPPRESSION_THRESHOLD
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        errors.append(
            Error(
                "K0_SUPPRESSION_THRESHOLD must be a whole number of at least 1, "
                f"got {threshold!r}.",
                id="indicators.E001",
            )
        )
    outcomes = list(settings.K0_RESOLVED_OUTCOMES)
    unknown = [o for o in outcomes if o not in Outcome.values]
    if unknown or not outcomes:
        errors.append(
            Error(
                "K0_RESOLVED_OUTCOMES must list outcomes from: "
                f"{', '.join(Outcome.values)}; got {', '.join(outcomes) or 'nothing'}.",
                id="indicators.E002",
            )
        )
    return errors
