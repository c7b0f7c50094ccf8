"""The plan as a PDF to download."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..pdf import print_plan


@never_cache
@login_required
@require_GET
def plan_pdf(request, uuid):
    """The plan's PDF: the stored rendering of its current version (print_plan checks access
    and audits). Who downloaded it is in the audit trail, not in the file or its name."""
    printed = print_plan(uuid, printed_by=request.user)
    response = HttpResponse(printed.content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="individuell-plan-{uuid}-v{printed.version}.pdf"')
    return response
