import factory

from accounts.choices import Role
from accounts.models import Firm, Team, User

PASSWORD = "correct-horse-battery-staple"


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Firm {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    firm = factory.SubFactory(FirmFactory)
    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.ADVISOR
    is_staff = factory.LazyAttribute(lambda u: u.role in (Role.OPERATOR, Role.COMPLIANCE))

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


class AdvisorFactory(UserFactory):
    role = Role.ADVISOR


class OperatorFactory(UserFactory):
    role = Role.OPERATOR

    @factory.post_generation
    def operators_group(self, create, extracted, **kwargs):
        if create:
            from accounts.services import operators_group

            self.groups.add(operators_group())


class ComplianceFactory(UserFactory):
    role = Role.COMPLIANCE


class ClientUserFactory(UserFactory):
    role = Role.CLIENT


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    firm = factory.SubFactory(FirmFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
