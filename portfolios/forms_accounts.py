"""Input for the account pages, the transactions filter and the risk questionnaire.

Forms only clean input and offer choices from the scoped selectors; services decide and write.
"""

from django import forms

from marketdata.models import Instrument
from valuepartner.forms import DomainErrorFormMixin

from .choices import AccountType, LotReliefMethod, TradingMode, TransactionKind
from .models import Account, Client
from .risk import QUESTIONS
from .selectors import clients_visible_to, model_portfolios_visible_to

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Client) -> str:
        return f"{obj.first_name} {obj.last_name} ({obj.household.name})"


class AccountForm(DomainErrorFormMixin, forms.Form):
    client = ClientChoiceField(queryset=None, help_text="The account's owner.")
    name = forms.CharField(max_length=Account._meta.get_field("name").max_length)
    account_type = forms.ChoiceField(choices=AccountType.choices, initial=AccountType.TAXABLE)
    co_owner = ClientChoiceField(
        queryset=None, required=False, help_text="Joint accounts only: the second owner, from the same household."
    )
    trading_mode = forms.ChoiceField(choices=TradingMode.choices, initial=TradingMode.PAPER)
    broker_account_id = forms.CharField(
        max_length=Account._meta.get_field("broker_account_id").max_length,
        required=False,
        label="Broker account id",
        help_text="Required for live accounts.",
    )
    lot_relief_method = forms.ChoiceField(choices=LotReliefMethod.choices, initial=LotReliefMethod.FIFO)
    model_portfolio = forms.ModelChoiceField(queryset=None, required=False)
    opened_on = forms.DateField(required=False, widget=DATE_WIDGET, help_text="YYYY-MM-DD")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")

    def __init__(self, *args, user, account: Account | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        clients = clients_visible_to(user).select_related("household").order_by("last_name", "first_name", "pk")
        self.fields["client"].queryset = clients
        self.fields["co_owner"].queryset = clients
        self.fields["model_portfolio"].queryset = model_portfolios_visible_to(user).filter(is_active=True)
        if account is None:
            del self.fields["is_active"]
        else:
            # The ledger belongs to its owner: an account never moves to another client.
            del self.fields["client"]

    @classmethod
    def initial_for(cls, account: Account) -> dict:
        return {
            "name": account.name,
            "account_type": account.account_type,
            "co_owner": account.co_owner_id,
            "trading_mode": account.trading_mode,
            "broker_account_id": account.broker_account_id,
            "lot_relief_method": account.lot_relief_method,
            "model_portfolio": account.model_portfolio_id,
            "opened_on": account.opened_on,
            "is_active": account.is_active,
        }


class TransactionFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "All kinds"), *TransactionKind.choices], required=False)
    instrument = forms.ModelChoiceField(queryset=Instrument.objects.none(), required=False, empty_label="All")
    start = forms.DateField(required=False, widget=DATE_WIDGET, label="From")
    end = forms.DateField(required=False, widget=DATE_WIDGET, label="To")

    def __init__(self, *args, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        traded = account.transactions.exclude(instrument=None).values("instrument_id")
        self.fields["instrument"].queryset = Instrument.objects.filter(pk__in=traded).order_by("symbol")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end date is before the start date.")
        return data


class RiskQuestionnaireForm(DomainErrorFormMixin, forms.Form):
    """One radio group per question; the answers' points and the profile come from ``portfolios.risk``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.key] = forms.ChoiceField(
                label=question.text,
                choices=[(value, label) for value, label, _ in question.choices],
                widget=forms.RadioSelect,
            )
