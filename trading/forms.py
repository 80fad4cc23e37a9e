"""Page forms of trading: the order ticket, cancel and replace, and a proposal's decision.

The forms only type the input; the order's rules (trading.order_rules), its pre-trade checks
(trading.risk) and the proposal's decision live in the services, whose coded refusals land on
the matching fields (DomainErrorFormMixin).
"""

from django import forms

from accounts.selectors import advisors_of_firm
from valuepartner.forms import DomainErrorFormMixin

from .choices import OrderSide, OrderType, TimeInForce
from .views_selectors import tradable_accounts

BLANK = [("", "—")]


def _amount(label: str, help_text: str = "", places: int = 8) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=0, decimal_places=places, max_digits=20, help_text=help_text
    )


class OrderTicketForm(DomainErrorFormMixin, forms.Form):
    account = forms.ModelChoiceField(queryset=None, empty_label=None)
    symbol = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off", "class": "upper"}))
    side = forms.ChoiceField(choices=OrderSide.choices, widget=forms.RadioSelect, initial=OrderSide.BUY)
    order_type = forms.ChoiceField(label="Type", choices=OrderType.choices, initial=OrderType.MARKET)
    time_in_force = forms.ChoiceField(label="Time in force", choices=TimeInForce.choices, initial=TimeInForce.DAY)
    qty = _amount("Quantity", "Shares. Leave empty to buy or sell an amount in dollars instead.")
    notional = _amount("Amount ($)", "Market day orders only.", places=2)
    limit_price = _amount("Limit price", places=4)
    stop_price = _amount("Stop price", places=4)
    trail_price = _amount("Trail ($)", "Trailing stops: a trail in dollars or in percent, not both.", places=4)
    trail_percent = _amount("Trail (%)", places=4)
    expires_at = forms.DateTimeField(
        label="Good till",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Good-till-canceled orders only: expired at this time.",
    )
    recommended_by = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Me", help_text="Who recommended the order (the memorandum)."
    )
    discretionary = forms.BooleanField(required=False, help_text="Placed under discretionary authority.")
    note = forms.CharField(label="Reason", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    # Fixed when the ticket is shown: submitting the same ticket twice enters one order.
    idempotency_key = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = tradable_accounts(user).select_related(None)
        self.fields["recommended_by"].queryset = advisors_of_firm(user.firm_id).order_by("last_name", "username")

    def clean_symbol(self) -> str:
        return self.cleaned_data["symbol"].strip().upper()

    def service_values(self) -> dict:
        """The cleaned fields as ``submit_order``/``evaluate`` keywords (the account apart)."""
        data = dict(self.cleaned_data)
        data.pop("account")
        return data


class CancelForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(required=False, max_length=300, help_text="Kept with the order's history.")


class ReplaceForm(DomainErrorFormMixin, forms.Form):
    qty = _amount("New quantity")
    limit_price = _amount("New limit price", places=4)
    stop_price = _amount("New stop price", places=4)
    trail = _amount("New trail", "In the order's trail unit (dollars or percent).", places=4)
    time_in_force = forms.ChoiceField(label="Time in force", choices=BLANK + TimeInForce.choices, required=False)
    note = forms.CharField(label="Reason", required=False, max_length=500)

    def service_values(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}


class ProposalApprovalForm(forms.Form):
    """Approve all lines (none ticked) or the ticked ones; ``discretionary`` goes on every order."""

    trades = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.CheckboxSelectMultiple)
    discretionary = forms.BooleanField(required=False)

    def __init__(self, *args, trades, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trades"].choices = [(trade.pk, str(trade.pk)) for trade in trades]


class ProposalRejectionForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
