"""What every page form shares: showing a service's refusal, and the submit-then-redirect step."""

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect

from .errors import DomainError


class DomainErrorFormMixin:
    """Shows a service's refusal on the form: its ``fields`` on those fields, the rest on top."""

    def add_domain_error(self, error: DomainError) -> None:
        placed = False
        for name, field_messages in error.fields.items():
            if name in self.fields:
                for message in field_messages if isinstance(field_messages, list | tuple) else [field_messages]:
                    self.add_error(name, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


def submit_to_service(request, form, save: Callable, *, success: Callable[[object], str], then: str):
    """For a valid bound form, call ``save(cleaned_data)`` and redirect to URL ``then`` of the result.

    Returns ``None`` when the form must be shown again (unbound, invalid, or refused by the service,
    whose error is then on the form).
    """
    if not form.is_valid():
        return None
    try:
        saved = save(form.cleaned_data)
    except DomainError as error:
        form.add_domain_error(error)
        return None
    messages.success(request, success(saved))
    return redirect(then, pk=saved.pk)
