import copy
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


class BuiltOnceModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that inspects its model once per class, not once per instance.

    ``ModelSerializer.get_fields`` maps every model field to a serializer field on each
    instantiation; for a wide model answered on a hot path (an order is 36 fields) that mapping is
    most of the serializer's cost. Here it runs on first use and later instances get fresh copies
    (DRF fields copy by re-instantiating from their arguments), so no field instance is shared.
    """

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)
