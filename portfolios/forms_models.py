"""Input for the model portfolio editor, model assignment and proposal pages. Weights are typed in
percent (25 means 25 %) and handed to the services as fractions; the services decide and write."""

from decimal import Decimal

from django import forms

from marketdata.choices import AssetClass
from marketdata.models import Instrument
from portfolios.choices import RebalanceMode
from portfolios.services.proposals import MAX_SLIPPAGE_BPS
from valuepartner.forms import DomainErrorFormMixin

HUNDRED = Decimal("100")
ZERO = Decimal("0")
ASSET_CLASS_CHOICES = [("", "—"), *((v, label) for v, label in AssetClass.choices if v != AssetClass.INDEX)]


def percent_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=ZERO,
        max_value=HUNDRED,
        decimal_places=4,
        max_digits=8,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.0001"}),
    )


def to_fraction(percent: Decimal | None) -> Decimal:
    return (percent or ZERO) / HUNDRED


def to_percent(fraction: Decimal) -> Decimal:
    return (fraction * HUNDRED).normalize() if fraction else ZERO


class ModelPortfolioForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    cash_weight = percent_field("Cash weight (%)", help_text="Targets plus cash must add up to exactly 100%.")
    absolute_band = percent_field(
        "Absolute band (points)", help_text="Out of band when a weight is this many points off target. 0 = unused."
    )
    relative_band = percent_field(
        "Relative band (% of target)", help_text="Out of band when off by this share of the target. 0 = unused."
    )
    shared = forms.BooleanField(required=False, label="Firm-wide (every advisor of the firm can use it)")

    def __init__(self, *args, can_share: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_share:
            del self.fields["shared"]

    @classmethod
    def initial_for(cls, model) -> dict:
        return {
            "name": model.name,
            "description": model.description,
            "cash_weight": to_percent(model.cash_weight),
            "absolute_band": to_percent(model.absolute_band),
            "relative_band": to_percent(model.relative_band),
        }

    def service_values(self) -> dict:
        data = self.cleaned_data
        values = {
            "name": data["name"],
            "description": data["description"],
            "cash_weight": to_fraction(data["cash_weight"]),
            "absolute_band": to_fraction(data["absolute_band"]),
            "relative_band": to_fraction(data["relative_band"]),
        }
        return values


class TargetForm(forms.Form):
    symbol = forms.CharField(
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"list": "instrument-options", "autocomplete": "off", "class": "symbol-input"}),
    )
    asset_class = forms.ChoiceField(choices=ASSET_CLASS_CHOICES, required=False)
    weight = percent_field("Weight (%)", required=False)

    def clean(self):
        data = super().clean()
        symbol, asset_class, weight = (
            data.get("symbol", "").strip().upper(),
            data.get("asset_class"),
            data.get("weight"),
        )
        if not symbol and not asset_class and weight is None:
            return data
        if bool(symbol) == bool(asset_class):
            raise forms.ValidationError("Give a symbol or an asset class, not both.")
        if weight is None or weight <= ZERO:
            self.add_error("weight", "Enter a weight above 0.")
        if symbol:
            instrument = Instrument.objects.filter(symbol=symbol, is_active=True).first()
            if instrument is None:
                self.add_error("symbol", f"No active instrument with symbol {symbol}.")
            data["instrument"] = instrument
        else:
            data["instrument"] = None
        return data

    def target(self) -> dict | None:
        data = self.cleaned_data
        if not data or data.get("DELETE") or data.get("weight") is None:
            return None
        return {
            "instrument": data.get("instrument"),
            "asset_class": data.get("asset_class") or "",
            "weight": data["weight"],
        }


class BaseTargetFormSet(forms.BaseFormSet):
    def targets(self) -> list[dict]:
        rows = []
        for form in self.forms:
            target = form.target()
            if target is not None:
                rows.append({**target, "weight": to_fraction(target["weight"])})
        return rows

    def check_total(self, cash_percent: Decimal | None) -> None:
        """The 100 % rule, shown above the targets (the service checks it again)."""
        total = sum((form.target()["weight"] for form in self.forms if form.target()), ZERO) + (cash_percent or ZERO)
        if total != HUNDRED:
            self._non_form_errors.append(
                f"Targets and cash add up to {total.normalize():f}%; they must add up to 100%."
            )


TargetFormSet = forms.formset_factory(TargetForm, formset=BaseTargetFormSet, extra=3, can_delete=True)


def target_initial(model) -> list[dict]:
    return [
        {
            "symbol": target.instrument.symbol if target.instrument else "",
            "asset_class": target.asset_class,
            "weight": to_percent(target.weight),
        }
        for target in model.targets.select_related("instrument")
    ]


class AssignModelForm(DomainErrorFormMixin, forms.Form):
    model_portfolio = forms.ModelChoiceField(queryset=None, required=False, empty_label="— No model —")

    def __init__(self, *args, models, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model_portfolio"].queryset = models


class ProposalForm(DomainErrorFormMixin, forms.Form):
    mode = forms.ChoiceField(choices=RebalanceMode.choices, widget=forms.RadioSelect, initial=RebalanceMode.FULL)
    min_trade = forms.DecimalField(min_value=ZERO, decimal_places=2, initial=ZERO, label="Minimum trade ($)")
    cash_buffer = forms.DecimalField(min_value=ZERO, decimal_places=2, initial=ZERO, label="Cash buffer ($)")
    raise_amount = forms.DecimalField(
        min_value=ZERO, decimal_places=2, required=False, label="Cash to raise ($)", help_text="Raise cash mode only."
    )
    fractional = forms.BooleanField(required=False, initial=True, label="Fractional shares")
    tax_aware = forms.BooleanField(
        required=False, label="Tax-aware (taxable accounts: loss lots first, no wash-sale buys)"
    )
    commission = forms.DecimalField(min_value=ZERO, decimal_places=2, initial=ZERO, label="Commission per trade ($)")
    slippage_bps = forms.DecimalField(
        min_value=ZERO,
        max_value=MAX_SLIPPAGE_BPS,
        decimal_places=2,
        initial=Decimal("5"),
        label="Spread and slippage (bps of notional)",
    )

    def clean(self):
        data = super().clean()
        if data.get("mode") == RebalanceMode.RAISE_CASH and not data.get("raise_amount"):
            self.add_error("raise_amount", "Enter the amount of cash to raise.")
        return data

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["raise_amount"] = data.get("raise_amount") or ZERO
        return data
