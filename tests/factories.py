import factory
from django.contrib.auth import get_user_model

from assurance.organisations.models import Location, Membership, Provider, ServiceType, Team
from domains.roles import Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.django.Password("correct horse battery staple")


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Provider {n}")
    slug = factory.Sequence(lambda n: f"provider-{n}")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Location {n}")
    cqc_location_id = factory.Sequence(lambda n: f"1-{500000000 + n}")
    service_type = ServiceType.CARE_HOME


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    location = factory.SubFactory(LocationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    location = factory.SubFactory(LocationFactory)
    provider = factory.LazyAttribute(lambda o: o.location.provider if o.location else None)
    role = Role.REGISTERED_MANAGER
