"""The citizen's front door: which patient (themself, or someone they represent), and that
patient's overview."""

from django.shortcuts import redirect, render
from django.urls import path

from pathways import citizen_access
from registry.models import AuditObjectType

from .common import audit_read, citizen_required, door


@citizen_required
def home(request):
    """One door: straight to it. Several (the patient also represents someone, or a parent
    has two children): choose. None: say so, and whom to ask."""
    accesses = citizen_access.accesses(request.user)
    if len(accesses) == 1:
        return redirect("citizen:overview", patient=accesses[0].patient.uuid)
    return render(request, "citizen/home.html", {"accesses": accesses})


@citizen_required
def overview(request, patient):
    access = door(request, patient)
    audit_read(request, access, AuditObjectType.CITIZEN_HOME, access.patient.uuid)
    return render(request, "citizen/overview.html", {"access": access,
                                                     "patient": access.patient})


urls = [
    path("", home, name="home"),
    path("p/<uuid:patient>/", overview, name="overview"),
]
