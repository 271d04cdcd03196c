from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from k0.indicators import forms
from k0.indicators.definitions import BY_CODE, MARKER, SHARE
from k0.indicators.report import Value

register = template.Library()


@register.simple_tag
def indicator_value(value: Value, column=None):
    """A published number: the marker for a hidden one (read out as "not published" by
    screen readers), a dash when there is nothing to show, the number otherwise."""
    if value.suppressed:
        return format_html(
            '<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span>',
            MARKER,
            _("not published"),
        )
    if value.number is None:
        return format_html(
            '<span aria-hidden="true">–</span><span class="visually-hidden">{}</span>',
            _("no value"),
        )
    if isinstance(value.number, float):
        text = number_format(value.number, decimal_pos=1)
    else:
        text = number_format(value.number)
    if column is not None and column.column == SHARE:
        return format_html("{}&nbsp;%", text)
    return text


@register.filter
def table(report, code: str):
    return report.table(code)


@register.filter
def indicator_label(code: str):
    """An indicator's name as `definitions` gives it: `{{ "cases_closed"|indicator_label }}`."""
    return BY_CODE[code].label


@register.filter
def period_title(period) -> str:
    return forms.period_title(period)
