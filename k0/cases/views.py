from django.shortcuts import render

from schools.models import Role
from schools.roles import role_required, schools_where


@role_required(Role.TEAM_MEMBER, Role.COORDINATOR)
def case_list(request):
    return render(request, "cases/list.html")


@role_required(Role.PRINCIPAL)
def principal_overview(request):
    schools = schools_where(request.user, Role.PRINCIPAL)
    return render(request, "cases/principal_overview.html", {"schools": schools})


@role_required(Role.COORDINATOR)
def coordinator_home(request):
    schools = schools_where(request.user, Role.COORDINATOR).select_related("area")
    return render(request, "cases/coordinator_home.html", {"schools": schools})
