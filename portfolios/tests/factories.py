import factory

from accounts.tests.factories import AdvisorFactory
from portfolios.models import Account, Client, Household, ModelPortfolio


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    advisor = factory.SubFactory(AdvisorFactory)
    firm = factory.LazyAttribute(lambda h: h.advisor.firm)
    name = factory.Sequence(lambda n: f"Household {n}")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    household = factory.SubFactory(HouseholdFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda c: f"{c.first_name.lower()}.{c.last_name.lower()}@example.com")


class ModelPortfolioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelPortfolio

    firm = factory.SubFactory("accounts.tests.factories.FirmFactory")
    name = factory.Sequence(lambda n: f"Model {n}")


class AccountFactory(factory.django.DjangoModelFactory):
    """An empty account; put money and securities in through the ledger services, not here."""

    class Meta:
        model = Account

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Account {n}")
