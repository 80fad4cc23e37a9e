"""Output serializers render what the selectors return; input serializers only clean what services take."""

from rest_framework import serializers

from accounts.choices import Role
from accounts.models import User
from accounts.selectors import advisors_of_firm
from portfolios.models import Client, Household
from portfolios.selectors import households_visible_to
from valuepartner.api.fields import ScopedPrimaryKeyRelatedField

OPERATOR_NAMES_ADVISOR = "Name the advisor whose book the household belongs to."


class HouseholdOutputSerializer(serializers.ModelSerializer):
    advisor_name = serializers.CharField(source="advisor.get_full_name", read_only=True)
    client_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Household
        fields = ["id", "name", "notes", "advisor", "advisor_name", "client_count", "created_at", "updated_at"]
        read_only_fields = fields


class HouseholdInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    notes = serializers.CharField(allow_blank=True, required=False)
    advisor = ScopedPrimaryKeyRelatedField(
        queryset=User.objects.none(),
        scope=lambda user: advisors_of_firm(user.firm_id),
        required=False,
        help_text="Advisor whose book holds the household. Advisors default to themselves; operators must name one.",
    )

    def validate(self, attrs):
        user = self.context["request"].user
        if not self.partial and "advisor" not in attrs and user.role != Role.ADVISOR:
            raise serializers.ValidationError({"advisor": [OPERATOR_NAMES_ADVISOR]})
        return attrs


class ClientOutputSerializer(serializers.ModelSerializer):
    household_name = serializers.CharField(source="household.name", read_only=True)
    advisor = serializers.IntegerField(source="household.advisor_id", read_only=True)
    has_login = serializers.SerializerMethodField()

    class Meta:
        model = Client
        fields = [
            "id",
            "household",
            "household_name",
            "advisor",
            "first_name",
            "last_name",
            "email",
            "phone",
            "date_of_birth",
            "has_login",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_has_login(self, client: Client) -> bool:
        return client.user_id is not None


class ClientInputSerializer(serializers.Serializer):
    household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.none(), scope=households_visible_to)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField(allow_blank=True, required=False)
    phone = serializers.CharField(max_length=40, allow_blank=True, required=False)
    date_of_birth = serializers.DateField(allow_null=True, required=False)
