"""Small helpers shared by every app's views: login + permission wrapper, domain errors onto forms."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from grassroots.core.errors import DomainError, NotFoundOrForbidden, PermissionRefused, ValidationFailed


def scoped_view(view):
    """Login required; a PermissionRefused from a service becomes 403, a NotFoundOrForbidden 404."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionRefused as exc:
            raise PermissionDenied(str(exc)) from exc
        except NotFoundOrForbidden as exc:
            raise Http404 from exc

    return wrapper


def add_domain_error(form, exc: DomainError) -> None:
    """Put a service's error on the form: each field error under its field, the rest at the top. A refusal is
    never a form error: it is raised again, to become 403 or 404 (scoped_view)."""
    if isinstance(exc, PermissionRefused | NotFoundOrForbidden):
        raise exc
    if isinstance(exc, ValidationFailed):
        for field, messages in exc.errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


def clean_text(value: str, max_length: int = 100) -> str:
    """A search term or short reason from a query string: no NUL (PostgreSQL refuses it), trimmed, bounded."""
    return (value or "").replace("\x00", "").strip()[:max_length]


def form_values(form, names) -> dict:
    return {name: form.cleaned_data.get(name) for name in names if name in form.cleaned_data}
