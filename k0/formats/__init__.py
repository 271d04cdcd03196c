"""Date formats per language (settings.FORMAT_MODULE_PATH): Finns read day.month.year in all
three languages, so Swedish is not Sweden's ISO dates and English is not the US month first.
fi and sv: 20.11.2026; en: 20 Nov 2026. Inputs accept the same and ISO (date pickers)."""
