import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from portfolios.models import Client, Household


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An object id: whole numbers only, documented as an integer."""

    field_class = forms.IntegerField


class HouseholdFilter(django_filters.FilterSet):
    advisor = IdFilter(field_name="advisor_id", help_text="Advisor id.")
    name = django_filters.CharFilter(lookup_expr="icontains", help_text="Part of the household name.")

    class Meta:
        model = Household
        fields = ["advisor", "name"]


class ClientFilter(django_filters.FilterSet):
    household = IdFilter(field_name="household_id", help_text="Household id.")
    advisor = IdFilter(field_name="household__advisor_id", help_text="Advisor id.")
    name = django_filters.CharFilter(method="filter_name", help_text="Part of the first or last name.")

    class Meta:
        model = Client
        fields = ["household", "advisor", "name"]

    def filter_name(self, queryset, name, value):
        return queryset.filter(Q(first_name__icontains=value) | Q(last_name__icontains=value))
