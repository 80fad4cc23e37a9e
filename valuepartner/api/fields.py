from collections.abc import Callable

from django.db.models import QuerySet
from rest_framework import serializers


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key that resolves only within ``scope(request.user)``.

    An id outside the caller's scope is "does not exist", exactly like an id that never existed,
    so the answer does not reveal what other books or firms hold. ``queryset`` only names the
    model (for the schema); lookups always go through the scope.
    """

    def __init__(self, *, scope: Callable[..., QuerySet], **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)
