import factory

from accounts.tests.factories import AdvisorFactory
from jobs.models import Job


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    owner = factory.SubFactory(AdvisorFactory)
    firm = factory.SelfAttribute("owner.firm")
    kind = "report"
    label = factory.Sequence(lambda n: f"Quarterly report {n}")
