"""The one place that decides between a full page and an HTMX fragment."""

from django.shortcuts import render


def render_page_or_partial(request, full_template: str, partial_template: str, context: dict, status: int = 200):
    template = partial_template if getattr(request, "htmx", False) and not request.htmx.boosted else full_template
    return render(request, template, context, status=status)
