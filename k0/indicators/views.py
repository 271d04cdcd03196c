from django.shortcuts import render

from schools.models import Role
from schools.roles import role_required


@role_required(Role.PROGRAMME_OFFICE)
def dashboard(request):
    return render(request, "indicators/dashboard.html")
