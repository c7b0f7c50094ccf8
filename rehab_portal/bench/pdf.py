"""The PDF part of `make bench`: a 30-measure individual plan downloaded through the view,
the first time (rendered by WeasyPrint and stored) and again (the stored rendering of the
same version), each against a one-line WeasyPrint page, the renderer's fixed cost.

Target (issue 10, item 23): a repeated download within 2 × a one-line page. The first
rendering is also timed with the tables in automatic layout, to show what the fixed layout
saves. The stored files go to a temporary MEDIA_ROOT, removed afterwards.
"""

import io
import statistics
import tempfile
import time

from django.core.files.storage import storages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

CACHED_TARGET = 2.0  # a repeated download, in one-line pages
ONE_LINE = '<html lang="nb"><title>Plan</title><p>Individuell plan</p></html>'


def _median_ms(action, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def measure(plan, user, runs: int) -> dict:
    """Median times of the one-line page, the first and the repeated download of `plan` by
    `user` (who must see it), and the queries of a repeated download."""
    from pypdf import PdfReader
    from weasyprint import CSS, HTML

    from coordination import pdf

    with tempfile.TemporaryDirectory(prefix="rehab-bench-media-") as media, \
            override_settings(MEDIA_ROOT=media):
        storage = storages["default"]
        folder = f"{pdf.STORE_PREFIX}/{plan.uuid}"
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        url = reverse("coordination:plan_pdf", args=[plan.uuid])

        def forget():
            for name in storage.listdir(folder)[1] if storage.exists(folder) else []:
                storage.delete(f"{folder}/{name}")

        def download():
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"the PDF download answered {response.status_code}")
            return response.content

        def first():
            forget()
            download()

        HTML(string=ONE_LINE).write_pdf()  # fonts and the user-agent stylesheet loaded
        one_line = _median_ms(lambda: HTML(string=ONE_LINE).write_pdf(), max(runs, 10))
        first()  # warm: templates, the plan's stylesheet
        first_ms = _median_ms(first, runs)
        data = download()
        cached_ms = _median_ms(download, max(runs, 20))
        with CaptureQueriesContext(connection) as queries:
            download()

        current = pdf.plan_for_print(plan)
        html = pdf.render_plan_html(current)
        auto = CSS(string="table { table-layout: auto; }")

        def render(stylesheets):
            HTML(string=html, base_url=pdf.STATIC_BASE_URL,
                 url_fetcher=pdf.StaticOnlyFetcher()).write_pdf(
                pdf_variant=pdf.PDF_VARIANT, stylesheets=stylesheets)

        fixed_ms = _median_ms(lambda: render([]), runs)
        auto_ms = _median_ms(lambda: render([auto]), runs)
    return {
        "runs": runs, "one_line_ms": one_line, "first_ms": first_ms, "cached_ms": cached_ms,
        "cached_queries": len(queries), "pages": len(PdfReader(io.BytesIO(data)).pages),
        "kib": len(data) / 1024, "fixed_ms": fixed_ms, "auto_ms": auto_ms,
    }


def report(say, style, r: dict) -> bool:
    """Print the figures beside the target; True when the repeated download meets it."""
    line = r["one_line_ms"]
    cached = r["cached_ms"] / line
    say(f"\nPDF: a 30-measure plan through the view (tagged PDF/UA-1; median of "
        f"{r['runs']}+ runs): {r['pages']} pages, {r['kib']:.0f} KiB")
    say(f"{'one-line WeasyPrint page':<44} {line:>7.1f} ms   1 x")
    say(f"{'first download (render and store)':<44} {r['first_ms']:>7.1f} ms "
        f"{r['first_ms'] / line:>4.0f} x")
    ok = cached <= CACHED_TARGET
    verdict = (style.SUCCESS if ok else style.ERROR)(
        f"{'within' if ok else 'ABOVE'} the target of {CACHED_TARGET:g} x")
    say(f"{'repeated download (stored, same version)':<44} {r['cached_ms']:>7.1f} ms "
        f"{cached:>4.1f} x  {verdict} ({r['cached_queries']} queries)")
    saved = 1 - r["fixed_ms"] / r["auto_ms"]
    say(f"rendering alone: fixed table layout {r['fixed_ms']:.0f} ms, automatic "
        f"{r['auto_ms']:.0f} ms ({saved:.0%} saved)")
    return ok
