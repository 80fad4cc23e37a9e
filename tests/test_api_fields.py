"""BuiltOnceModelSerializer answers exactly as a ModelSerializer does, with its own fields per instance."""

import pytest
from rest_framework import serializers

from accounts.models import Firm
from valuepartner.api.fields import BuiltOnceModelSerializer


class PlainFirmSerializer(serializers.ModelSerializer):
    class Meta:
        model = Firm
        fields = "__all__"


class FirmSerializer(BuiltOnceModelSerializer):
    class Meta:
        model = Firm
        fields = "__all__"


class NamedFirmSerializer(FirmSerializer):
    class Meta(FirmSerializer.Meta):
        fields = ["id", "name"]


@pytest.mark.django_db
def test_same_answer_as_a_model_serializer_and_no_field_shared():
    firm = Firm.objects.create(name="Built Once Advisers")
    first, second = FirmSerializer(firm), FirmSerializer(firm)

    assert first.data == second.data == PlainFirmSerializer(firm).data
    assert all(first.fields[name] is not second.fields[name] for name in first.fields)
    assert all(first.fields[name].parent is first for name in first.fields)


def test_each_subclass_inspects_its_own_fields():
    assert list(FirmSerializer().fields) == list(PlainFirmSerializer().fields)
    assert list(NamedFirmSerializer().fields) == ["id", "name"]
    assert list(FirmSerializer().fields) == list(PlainFirmSerializer().fields)
