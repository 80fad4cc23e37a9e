from django.conf import settings
from django.db import models

from accounts.models import Firm

from ..choices import RiskProfile


class Household(models.Model):
    """A family or entity served as one relationship, owned by one advisor's book."""

    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="households")
    advisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="households")
    name = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["firm", "advisor"])]

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    """A person in a household; ``user`` is their own sign-in, when they have one."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="clients")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="client_profile"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    risk_score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="From the risk questionnaire.")
    risk_profile = models.CharField(max_length=30, choices=RiskProfile.choices, blank=True)
    risk_answers = models.JSONField(default=dict, blank=True)
    risk_assessed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def firm_id(self) -> int:
        return self.household.firm_id
