from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One append-only entry of the audit trail.

    ``content_hash`` covers this event's fields and ``previous_hash``, so altering, removing or
    inserting any event breaks the chain from that point on (see ``compliance.chain``). On
    PostgreSQL a trigger refuses UPDATE and DELETE on this table.
    """

    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True, help_text="Username at the time of the event.")
    firm_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="Field name -> [before, after].")
    metadata = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    previous_hash = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} by {self.actor_label or 'system'}"


class RestrictedInstrument(models.Model):
    """The firm's restricted list: instruments its advisors may not trade (or may only sell).

    Kept by compliance staff in the admin; trading's pre-trade risk refuses orders against it.
    ``until`` empty means until removed.
    """

    NO_TRADING = "no_trading"
    NO_BUYING = "no_buying"
    RESTRICTIONS = [(NO_TRADING, "No trading"), (NO_BUYING, "No buying (selling allowed)")]

    firm = models.ForeignKey("accounts.Firm", on_delete=models.CASCADE, related_name="+")
    instrument = models.ForeignKey("marketdata.Instrument", on_delete=models.PROTECT, related_name="+")
    restriction = models.CharField(max_length=20, choices=RESTRICTIONS, default=NO_TRADING)
    reason = models.CharField(max_length=500)
    since = models.DateField()
    until = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["firm", "instrument"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "instrument"], name="restrictedinstrument_unique_per_firm"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} ({self.get_restriction_display()})"
