from django.forms.renderers import TemplatesSetting


class K0FormRenderer(TemplatesSetting):
    """Renders every form with the project's accessible field markup (label, help, errors
    tied to the input), so views and templates do not repeat it."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
