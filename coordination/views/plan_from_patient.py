"""(to be written) The plan page's part for this concern: context(request, plan, editable)."""


def context(request, plan, *, editable: bool) -> dict:
    return {}
