from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.http import require_POST

from k0.languages import set_language_cookie
from schools.roles import start_page


def home(request):
    """Sends each role to its own start page after log-in (`schools.roles.START_PAGES`)."""
    page = start_page(request.user)
    if page:
        return redirect(page)
    if request.user.is_staff:
        return redirect("admin:index")
    return render(request, "no_role.html", status=403)


@login_not_required
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
def accessibility(request):
    return render(request, "accessibility.html")


@login_not_required
@require_POST
def set_language(request):
    """Switches the interface language; a logged-in user's choice also sets their e-mails'."""
    lang = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("home")
    response = HttpResponseRedirect(next_url)
    if lang and check_for_language(lang) and lang in dict(settings.LANGUAGES):
        set_language_cookie(response, lang)
        if request.user.is_authenticated and request.user.language != lang:
            request.user.language = lang
            request.user.save(update_fields=["language"])
    return response
