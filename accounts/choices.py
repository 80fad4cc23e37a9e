from django.db import models


class Role(models.TextChoices):
    OPERATOR = "operator", "Operator"
    ADVISOR = "advisor", "Advisor"
    COMPLIANCE = "compliance", "Compliance officer"
    CLIENT = "client", "Client"
