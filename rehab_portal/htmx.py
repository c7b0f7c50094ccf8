"""Rendering for htmx: the whole page normally, just the fragment for htmx requests."""

from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def render_page(request, template: str, partial: str, context: dict):
    """The full page on normal requests, only the partial for htmx (NetBox `htmx_partial`).

    A history-restore request rebuilds the whole page, so it gets the full template too.
    """
    use_partial = bool(request.htmx) and not request.htmx.history_restore_request
    response = render(request, partial if use_partial else template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
