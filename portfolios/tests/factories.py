import factory

from accounts.tests.factories import AdvisorFactory
from portfolios.models import Client, Household


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
