import django_filters

from marketdata.choices import AssetClass
from marketdata.models import Instrument


class InstrumentFilter(django_filters.FilterSet):
    asset_class = django_filters.ChoiceFilter(choices=AssetClass.choices, help_text="Asset class.")
    sector = django_filters.CharFilter(lookup_expr="iexact", help_text="Sector, e.g. `Information Technology`.")
    is_active = django_filters.BooleanFilter(help_text="Only instruments open (true) or closed (false) to trading.")

    class Meta:
        model = Instrument
        fields = ["asset_class", "sector", "is_active"]
