"""Households and clients of the operator's firm; saves go through portfolios.services."""

from django.contrib import admin
from django.db.models import Count

from accounts.choices import Role
from accounts.models import User
from accounts.roles import Capability, has_capability
from valuepartner.admin_site import FirmScopedAdmin, adopt

from . import services
from .models import Client, Household

CLIENT_INLINE_FIELDS = ("first_name", "last_name", "email", "phone", "date_of_birth")


class ClientInline(admin.TabularInline):
    model = Client
    fields = CLIENT_INLINE_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and has_capability(request.user, Capability.MANAGE_BOOK)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and has_capability(request.user, Capability.MANAGE_BOOK)


@admin.register(Household)
class HouseholdAdmin(FirmScopedAdmin):
    # The services act for a member of the firm, so writing here needs the role's capability.
    write_capability = Capability.MANAGE_BOOK
    superuser_writes = False
    list_display = ("name", "advisor", "client_count", "created_at")
    list_filter = (("advisor", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = ("name", "advisor__first_name", "advisor__last_name", "clients__last_name")
    list_select_related = ("advisor", "firm")
    fields = ("name", "advisor", "notes", "firm", "created_at", "updated_at")
    readonly_fields = ("firm", "created_at", "updated_at")
    inlines = (ClientInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(client_count=Count("clients"))

    @admin.display(description="Clients", ordering="client_count")
    def client_count(self, household: Household) -> int:
        return household.client_count

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "advisor":
            advisors = User.objects.filter(role=Role.ADVISOR, is_active=True)
            if not request.user.is_superuser:
                advisors = advisors.filter(firm_id=request.user.firm_id)
            kwargs["queryset"] = advisors
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = services.create_household(
                actor=request.user, name=data["name"], advisor=data["advisor"], notes=data.get("notes", "")
            )
            adopt(obj, created)
            return
        values = {name: data[name] for name in services.HOUSEHOLD_FIELDS if name in form.changed_data}
        if values:
            adopt(obj, services.update_household(actor=request.user, household=obj, **values))

    def save_formset(self, request, form, formset, change):
        # Inline clients are created and changed by the services; admin's change message reads
        # the same three lists formset.save() would have filled.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for client_form in formset.forms:
            if not client_form.has_changed() or not client_form.is_valid():
                continue
            changed = [name for name in CLIENT_INLINE_FIELDS if name in client_form.changed_data]
            values = {name: client_form.cleaned_data[name] for name in changed}
            if client_form.instance.pk is None:
                client = services.create_client(actor=request.user, household=formset.instance, **values)
                formset.new_objects.append(client)
            else:
                client = services.update_client(actor=request.user, client=client_form.instance, **values)
                formset.changed_objects.append((client, changed))


@admin.register(Client)
class ClientAdmin(FirmScopedAdmin):
    firm_lookup = "household__firm_id"
    write_capability = Capability.MANAGE_BOOK
    superuser_writes = False
    list_display = ("last_name", "first_name", "household", "advisor", "email", "user", "created_at")
    list_filter = (("household__advisor", admin.RelatedOnlyFieldListFilter), "created_at")
    search_fields = ("first_name", "last_name", "email", "household__name")
    list_select_related = ("household", "household__advisor", "user")
    fields = ("household", "first_name", "last_name", "email", "phone", "date_of_birth", "user")

    @admin.display(description="Advisor", ordering="household__advisor__last_name")
    def advisor(self, client: Client):
        return client.household.advisor

    def get_readonly_fields(self, request, obj=None):
        # A sign-in is linked once (link_client_user); there is no unlinking service.
        if obj is not None and obj.user_id is not None:
            return ("user",)
        return ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            users = User.objects.filter(role=Role.CLIENT, client_profile__isnull=True)
            if not request.user.is_superuser:
                users = users.filter(firm_id=request.user.firm_id)
            kwargs["queryset"] = users
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            values = {name: data[name] for name in ("email", "phone", "date_of_birth") if data.get(name)}
            client = services.create_client(
                actor=request.user,
                household=data["household"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                **values,
            )
        else:
            values = {name: data[name] for name in services.CLIENT_FIELDS if name in form.changed_data}
            client = services.update_client(actor=request.user, client=obj, **values) if values else obj
        if data.get("user") is not None and "user" in form.changed_data:
            client = services.link_client_user(actor=request.user, client=client, user=data["user"])
        adopt(obj, client)
