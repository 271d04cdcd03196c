#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "k0.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads settings, which refuse unsafe values
    except ImproperlyConfigured as error:
        # The defaults are production-safe; say plainly what is missing instead of a traceback.
        sys.exit(
            f"K-0 configuration error: {error}\n"
            "For local development set DEBUG=true (see .env.example and README.md)."
        )
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
