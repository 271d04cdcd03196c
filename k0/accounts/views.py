from django.conf import settings
from django.contrib.auth import views as auth_views


class LoginView(auth_views.LoginView):
    """Log-in that also switches the interface to the user's own language."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        lang = form.get_user().language
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
