from django.urls import re_path

from . import views

TYPE = r"(?P<resource_type>[A-Za-z]{1,40})"

urlpatterns = [
    re_path(r"^metadata/?$", views.MetadataView.as_view(), name="fhir-metadata"),
    re_path(rf"^{TYPE}/_search/?$", views.SearchView.as_view(), name="fhir-search"),
    re_path(rf"^{TYPE}/(?P<resource_id>[A-Za-z0-9\-.]{{1,64}})/?$", views.ReadView.as_view(),
            name="fhir-read"),
    re_path(rf"^{TYPE}/?$", views.TypeView.as_view(), name="fhir-type"),
    re_path(r"", views.unknown, name="fhir-unknown"),
]
