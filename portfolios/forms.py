"""Input for the household and client pages. Forms only clean input; services decide and write."""

from django import forms
from django.utils import timezone

from accounts.selectors import assignable_advisors
from valuepartner.forms import DomainErrorFormMixin

from .models import Client, Household
from .selectors import households_visible_to


class AdvisorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class HouseholdForm(DomainErrorFormMixin, forms.Form):
    name = forms.CharField(max_length=Household._meta.get_field("name").max_length)
    advisor = AdvisorChoiceField(queryset=None, help_text="The advisor whose book this household belongs to.")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = assignable_advisors(user).order_by("last_name", "first_name")

    @classmethod
    def initial_for(cls, household: Household) -> dict:
        return {"name": household.name, "advisor": household.advisor_id, "notes": household.notes}


class HouseholdChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class ClientForm(DomainErrorFormMixin, forms.Form):
    household = HouseholdChoiceField(queryset=None)
    first_name = forms.CharField(max_length=Client._meta.get_field("first_name").max_length)
    last_name = forms.CharField(max_length=Client._meta.get_field("last_name").max_length)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=Client._meta.get_field("phone").max_length, required=False)
    date_of_birth = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), help_text="YYYY-MM-DD"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the name is shown, so the advisor join the scoped selector adds is not needed.
        self.fields["household"].queryset = households_visible_to(user).select_related(None)

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born and born > timezone.localdate():
            raise forms.ValidationError("The date of birth cannot be in the future.")
        return born

    @classmethod
    def initial_for(cls, client: Client) -> dict:
        return {
            "household": client.household_id,
            "first_name": client.first_name,
            "last_name": client.last_name,
            "email": client.email,
            "phone": client.phone,
            "date_of_birth": client.date_of_birth,
        }
