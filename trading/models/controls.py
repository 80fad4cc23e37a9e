"""Trading controls: kill switches, risk limits and the brokers' circuit breakers."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from portfolios.models.accounts import CASH_DIGITS

from ..choices import BreakerState, KillSwitchState
from .orders import PERCENT_DIGITS


class KillSwitch(models.Model):
    """The trading state of a whole firm (``account`` empty) or of one account.

    The stricter of the firm's and the account's state applies: HALTED over REDUCING over ACTIVE.
    No row means ACTIVE.
    """

    firm = models.ForeignKey("accounts.Firm", on_delete=models.CASCADE, related_name="+")
    account = models.OneToOneField(
        "portfolios.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="kill_switch"
    )
    state = models.CharField(max_length=10, choices=KillSwitchState.choices, default=KillSwitchState.ACTIVE)
    reason = models.CharField(max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "kill switches"
        constraints = [
            models.UniqueConstraint(fields=["firm"], condition=Q(account__isnull=True), name="killswitch_one_per_firm"),
        ]

    def __str__(self) -> str:
        scope = f"account {self.account_id}" if self.account_id else f"firm {self.firm_id}"
        return f"{scope}: {self.get_state_display()}"


class RiskLimit(models.Model):
    """Pre-trade limits of a firm (``account`` empty) or one account; an empty field falls back to the
    firm's, then to the settings ``TRADING_RISK_DEFAULTS``."""

    firm = models.ForeignKey("accounts.Firm", on_delete=models.CASCADE, related_name="+")
    account = models.OneToOneField(
        "portfolios.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="risk_limit"
    )
    max_order_notional = models.DecimalField(**CASH_DIGITS, null=True, blank=True)
    price_band_percent = models.DecimalField(
        **PERCENT_DIGITS, null=True, blank=True, help_text="Largest distance of a limit/stop price from the last price."
    )
    max_position_notional = models.DecimalField(**CASH_DIGITS, null=True, blank=True)
    max_concentration_percent = models.DecimalField(
        **PERCENT_DIGITS, null=True, blank=True, help_text="Largest weight of one instrument after the order."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm"], condition=Q(account__isnull=True), name="risklimit_one_per_firm"),
        ]

    def __str__(self) -> str:
        return f"Risk limits of {'account ' + str(self.account_id) if self.account_id else 'firm ' + str(self.firm_id)}"


class BrokerCircuit(models.Model):
    """The circuit breaker of one broker, in the database so every process and the operators see it."""

    broker = models.CharField(max_length=20, unique=True)
    state = models.CharField(max_length=10, choices=BreakerState.choices, default=BreakerState.CLOSED)
    consecutive_failures = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error_code = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["broker"]

    def __str__(self) -> str:
        return f"{self.broker} ({self.get_state_display()})"
