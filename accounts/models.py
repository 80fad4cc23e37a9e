from django.contrib.auth.models import AbstractUser
from django.db import models

from .choices import Role


class Firm(models.Model):
    """A registered investment advisor: the outer boundary of everything a user may see."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    firm = models.ForeignKey(Firm, on_delete=models.PROTECT, related_name="users", null=True, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CLIENT)

    class Meta:
        ordering = ["username"]
        indexes = [models.Index(fields=["firm", "role"])]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR

    @property
    def is_advisor(self) -> bool:
        return self.role == Role.ADVISOR

    @property
    def is_compliance(self) -> bool:
        return self.role == Role.COMPLIANCE

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT


class Team(models.Model):
    """Advisors who work together. With ``shares_book`` each member sees the others' clients."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=200)
    members = models.ManyToManyField(User, related_name="teams", blank=True)
    shares_book = models.BooleanField(
        default=False, help_text="Members see and manage each other's households and clients."
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["firm", "name"], name="team_unique_name_per_firm")]

    def __str__(self) -> str:
        return self.name
