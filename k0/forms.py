from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting

# Helsinki Design System (hds-core) classes of the input itself, by Django's widget type;
# the markup around it is in templates/forms/field.html.
HDS_INPUT_CLASSES = {
    "checkbox": "hds-checkbox__input",
    "radioselect": "",
    "checkboxselectmultiple": "",
}
HDS_TEXT_INPUT = "hds-text-input__input"


class K0BoundField(BoundField):
    """Gives each input its HDS class, and ties its error text to it as well as its help
    (`aria-describedby`), so a screen reader reads the error when the field is reached."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        # Not a widget of several inputs: its attributes go to each of them.
        if not widget.is_hidden and not isinstance(widget, forms.MultiWidget):
            css = HDS_INPUT_CLASSES.get(self.widget_type, HDS_TEXT_INPUT)
            # A widget with a class of its own keeps it: the admin's date and time inputs
            # (vDateField, vTimeField) are found by their class by the admin's scripts.
            if css and not (attrs.get("class") or widget.attrs.get("class")):
                attrs["class"] = css
        if not widget.is_hidden and self.errors and not self.use_fieldset:
            described = [attrs.get("aria-describedby", ""), f"{self.auto_id}_error"]
            attrs["aria-describedby"] = " ".join(filter(None, described))
        return attrs


class K0FormRenderer(TemplatesSetting):
    """Renders every form with the project's accessible field markup (label, help, errors
    tied to the input) in Helsinki Design System classes, so views and templates do not
    repeat it."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = K0BoundField


__all__ = ["K0FormRenderer", "K0BoundField", "forms"]
