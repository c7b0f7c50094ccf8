"""(to be written: placeholder routes so that the base template resolves)"""

from django.http import Http404
from django.urls import path


def _todo(request, **kwargs):
    raise Http404


urls = [
    path("p/<uuid:patient>/plan/", _todo, name="plan"),
]
