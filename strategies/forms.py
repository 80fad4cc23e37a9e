"""Input of the strategy pages. Percentages are typed in percent and handed to the services as
fractions; JSON settings are parsed here and checked by the engine in the services."""

import json
from decimal import Decimal

from django import forms

from valuepartner.forms import DomainErrorFormMixin

from .models.choices import RebalanceFrequency, Weighting
from .services.config import FACTORS, GRID_KEYS
from .services.sweeps import RANKINGS

HUNDRED = Decimal("100")


def _percent(label: str, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0.0001"),
        max_value=HUNDRED,
        decimal_places=4,
        max_digits=8,
        help_text=help_text,
    )


def _json_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, help_text=help_text, widget=forms.Textarea(attrs={"rows": 3, "class": "mono"})
    )


class StrategyForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    universe = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Symbols separated by spaces or commas. Empty: every stored equity with full history.",
    )
    benchmark_symbol = forms.CharField(max_length=20, initial="SPX", help_text="Regimes and charts use it.")
    top_n = forms.IntegerField(min_value=1, label="Holdings (top N)")
    weighting = forms.ChoiceField(choices=Weighting.choices)
    max_weight = _percent("Maximum weight of a holding (%)", "Empty: no cap.")
    sector_cap = _percent("Maximum weight of a sector (%)", "Empty: no cap.")
    sector_neutral = forms.BooleanField(required=False, label="Sector-neutral factor scores")
    rebalance_every = forms.TypedChoiceField(choices=RebalanceFrequency.choices, coerce=int, label="Rebalance")
    warmup_bars = forms.IntegerField(min_value=1, max_value=2520, label="Warm-up (sessions before the first trade)")
    commission_bps = forms.DecimalField(min_value=0, max_value=1000, decimal_places=2, label="Commission (bps)")
    slippage_bps = forms.DecimalField(min_value=0, max_value=1000, decimal_places=2, label="Slippage (bps)")
    fractional = forms.BooleanField(required=False, label="Fractional shares")
    initial_cash = forms.DecimalField(min_value=Decimal("0.01"), decimal_places=2, max_digits=20)
    regimes_enabled = forms.BooleanField(required=False, label="Volatility regimes steer the strategy")
    regime_settings = _json_field(
        "Regime settings (JSON)",
        'e.g. {"window": 21, "low_pct": 25, "high_pct": 75, "extreme_pct": 95}. Empty: the documented defaults.',
    )
    hybrid_enabled = forms.BooleanField(required=False, label="Hybrid model (factor rank + trend confidence)")
    hybrid_settings = _json_field("Hybrid settings (JSON)", 'e.g. {"trend_lookback": 200, "threshold": 0.5}.')
    breaker_enabled = forms.BooleanField(required=False, label="Graduated circuit breaker (needs regimes)")
    breaker_settings = _json_field(
        "Circuit breaker settings (JSON)", 'e.g. {"high_exposure": 0.5, "extreme_exposure": 0.25, "cooldown_bars": 10}.'
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    shared = forms.BooleanField(required=False, label="Firm-wide (every advisor of the firm can use it)")

    def __init__(self, *args, can_share: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in FACTORS.items():
            self.fields[f"factor_{name}"] = forms.DecimalField(
                label=f"{label} weight", required=False, min_value=0, max_value=100, decimal_places=4
            )
        if not can_share:
            del self.fields["shared"]

    def factor_fields(self):
        return [self[f"factor_{name}"] for name in FACTORS]

    @classmethod
    def initial_for(cls, strategy) -> dict:
        initial = {
            "name": strategy.name,
            "description": strategy.description,
            "universe": " ".join(strategy.universe),
            "benchmark_symbol": strategy.benchmark_symbol,
            "top_n": strategy.top_n,
            "weighting": strategy.weighting,
            "max_weight": strategy.max_weight * HUNDRED if strategy.max_weight is not None else None,
            "sector_cap": strategy.sector_cap * HUNDRED if strategy.sector_cap is not None else None,
            "sector_neutral": strategy.sector_neutral,
            "rebalance_every": strategy.rebalance_every,
            "warmup_bars": strategy.warmup_bars,
            "commission_bps": strategy.commission_bps,
            "slippage_bps": strategy.slippage_bps,
            "fractional": strategy.fractional,
            "initial_cash": strategy.initial_cash,
            "regimes_enabled": strategy.regimes_enabled,
            "regime_settings": json.dumps(strategy.regime_settings) if strategy.regime_settings else "",
            "hybrid_enabled": strategy.hybrid_enabled,
            "hybrid_settings": json.dumps(strategy.hybrid_settings) if strategy.hybrid_settings else "",
            "breaker_enabled": strategy.breaker_enabled,
            "breaker_settings": json.dumps(strategy.breaker_settings) if strategy.breaker_settings else "",
            "is_active": strategy.is_active,
        }
        for name in FACTORS:
            weight = strategy.factors.get(name)
            initial[f"factor_{name}"] = Decimal(str(weight)) if weight else None
        return initial

    def clean(self):
        data = super().clean()
        for field in ("regime_settings", "hybrid_settings", "breaker_settings"):
            text = (data.get(field) or "").strip()
            if not text:
                data[field] = {}
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                self.add_error(field, f"Not valid JSON: {error.msg} (line {error.lineno}, column {error.colno}).")
                continue
            if not isinstance(value, dict):
                self.add_error(field, "Give an object, e.g. {}.")
                continue
            data[field] = value
        if not any(data.get(f"factor_{name}") for name in FACTORS):
            self.add_error(None, "Give at least one factor a weight above 0.")
        return data

    def service_values(self) -> dict:
        data = self.cleaned_data
        values = {
            key: data[key]
            for key in (
                "name",
                "description",
                "universe",
                "benchmark_symbol",
                "top_n",
                "weighting",
                "sector_neutral",
                "rebalance_every",
                "warmup_bars",
                "commission_bps",
                "slippage_bps",
                "fractional",
                "initial_cash",
                "regimes_enabled",
                "regime_settings",
                "hybrid_enabled",
                "hybrid_settings",
                "breaker_enabled",
                "breaker_settings",
                "is_active",
            )
        }
        values["max_weight"] = data["max_weight"] / HUNDRED if data.get("max_weight") is not None else None
        values["sector_cap"] = data["sector_cap"] / HUNDRED if data.get("sector_cap") is not None else None
        values["factors"] = {name: data[f"factor_{name}"] for name in FACTORS if data.get(f"factor_{name}")}
        return values

    def add_domain_error(self, error) -> None:
        """Engine complaints about one factor (``factors.value``) go on that factor's field."""
        fields = {}
        for name, messages in error.fields.items():
            if name.startswith("factors.") and f"factor_{name.split('.', 1)[1]}" in self.fields:
                name = f"factor_{name.split('.', 1)[1]}"
            fields[name] = messages
        error.fields = fields
        super().add_domain_error(error)


class DateRangeMixin:
    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] >= data["end"]:
            self.add_error("end", "The end must be after the start.")
        return data


def _date(label: str) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


class BacktestForm(DomainErrorFormMixin, DateRangeMixin, forms.Form):
    start = _date("From")
    end = _date("To")
    prices = forms.FileField(
        required=False,
        label="Price file (optional)",
        help_text="Long CSV date,symbol,close (optional volume, sector). Empty: the stored market data.",
    )


def _grid_help() -> str:
    return "One setting per line, values separated by commas, e.g. <code>top_n = 20, 50</code>. Settings: " + (
        ", ".join(f"<code>{key}</code>" for key in GRID_KEYS)
    )


def parse_grid(text: str) -> dict[str, list]:
    grid = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        key, sep, values = line.partition("=")
        if not sep:
            raise forms.ValidationError(f"Line {number}: write setting = value, value, …")
        items = [value.strip() for value in values.split(",") if value.strip()]
        if not items:
            raise forms.ValidationError(f"Line {number}: give at least one value.")
        parsed = []
        for item in items:
            try:
                parsed.append(json.loads(item.lower() if item.lower() in ("true", "false") else item))
            except json.JSONDecodeError:
                parsed.append(item)
        grid[key.strip()] = parsed
    if not grid:
        raise forms.ValidationError("Give at least one setting to vary.")
    return grid


class GridField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3, "class": "mono"})

    def to_python(self, value):
        return parse_grid(super().to_python(value) or "")


class SweepForm(DomainErrorFormMixin, DateRangeMixin, forms.Form):
    grid = GridField(help_text=_grid_help())
    rank_by = forms.ChoiceField(choices=[(key, key.replace("_", " ").capitalize()) for key in RANKINGS])
    start = _date("From")
    end = _date("To")


class WalkForwardForm(DomainErrorFormMixin, DateRangeMixin, forms.Form):
    grid = GridField(help_text=_grid_help())
    train_bars = forms.IntegerField(min_value=21, max_value=5040, initial=504, label="Train window (sessions)")
    test_bars = forms.IntegerField(min_value=21, max_value=5040, initial=126, label="Test window (sessions)")
    start = _date("From")
    end = _date("To")


class AssignForm(DomainErrorFormMixin, forms.Form):
    account = forms.ModelChoiceField(queryset=None, help_text="Its model portfolio becomes the strategy's.")

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts


class FundamentalsImportForm(DomainErrorFormMixin, forms.Form):
    file = forms.FileField(help_text="CSV with the columns listed below; the whole file is imported or none of it.")
