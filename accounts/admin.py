"""Operators manage their firm's users, teams and the firm itself; every write goes through the services."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.models import Group
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from valuepartner import request_context
from valuepartner.admin_site import (
    FirmScopedAdmin,
    FirmScopedReadOnlyAdmin,
    SuperuserOnlyAdmin,
    ValuePartnerAdminSite,
    adopt,
    wrap_registered,
)
from valuepartner.errors import DomainError

from . import services, two_factor
from .choices import Role
from .models import Firm, Team, User
from .roles import Capability
from .selectors import advisors_of_firm

# django-otp's documented way to make the default site demand a verified second factor; every
# app's admin module registers on this same object, so the order of imports does not matter.
admin.site.__class__ = ValuePartnerAdminSite

# Third-party admins registered before this module (their apps precede ``accounts`` in
# INSTALLED_APPS) know nothing of firms. Rows spanning firms stay with superusers; per-user rows
# are narrowed to the operator's firm and read-only.
PLATFORM_WIDE = (
    Group,
    AccessAttempt,
    AccessLog,
    AccessFailureLog,
    PeriodicTask,
    ClockedSchedule,
    CrontabSchedule,
    SolarSchedule,
    IntervalSchedule,
)
wrap_registered(admin.site, PLATFORM_WIDE, SuperuserOnlyAdmin)
wrap_registered(
    admin.site, (TOTPDevice, StaticDevice, OutstandingToken), FirmScopedReadOnlyAdmin, firm_lookup="user__firm_id"
)
wrap_registered(admin.site, (BlacklistedToken,), FirmScopedReadOnlyAdmin, firm_lookup="token__user__firm_id")


class SelfEditGuard:
    """Refuses an operator changing their own role or switching themselves off (they would lock themselves out)."""

    acting_user: User | None = None

    def clean(self):
        cleaned = super().clean()
        if self.acting_user is not None and self.instance.pk == self.acting_user.pk:
            if "role" in self.changed_data:
                self.add_error("role", "You cannot change your own role; ask another operator.")
            if "is_active" in self.changed_data:
                self.add_error("is_active", "You cannot deactivate yourself.")
        return cleaned


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)


class UserChangeForm(SelfEditGuard, auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User


class AuditedPasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    """Sets the password through the service so the audit records who changed it (never the value)."""

    def save(self, commit=True):
        actor_id = request_context.current().user_id
        actor = User.objects.filter(pk=actor_id).first() if actor_id else None
        password = self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
        self.user = services.set_password(user=self.user, raw_password=password, actor=actor)
        return self.user


@admin.register(User)
class UserAdmin(FirmScopedAdmin, auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AuditedPasswordChangeForm
    write_capability = Capability.MANAGE_USERS
    list_display = ("username", "full_name", "email", "role", "firm", "is_active", "last_login")
    search_fields = ("username", "first_name", "last_name", "email")
    list_select_related = ("firm",)
    readonly_fields = ("last_login", "date_joined", "is_staff", "is_superuser")
    actions = ("deactivate_users", "activate_users", "reset_two_factor")

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, user: User) -> str:
        return user.get_full_name()

    def get_queryset(self, request):
        users = super().get_queryset(request)
        # An operator never administers the platform's own staff, even one attached to their firm.
        return users if request.user.is_superuser else users.filter(is_superuser=False)

    def get_list_filter(self, request):
        teams = ("teams", admin.RelatedOnlyFieldListFilter)
        if request.user.is_superuser:
            return ("role", "is_active", "firm", teams)
        return ("role", "is_active", teams)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser:
            readonly.append("firm")
        return readonly

    def get_fieldsets(self, request, obj=None):
        superuser = request.user.is_superuser
        if obj is None:
            fields = ["username", "usable_password", "password1", "password2"]
            fields += ["first_name", "last_name", "email", "role", *(["firm"] if superuser else [])]
            return ((None, {"classes": ("wide",), "fields": fields}),)
        access = ["role", "firm", "is_active", "is_staff", "is_superuser"]
        if superuser:
            access += ["groups", "user_permissions"]
        return (
            (None, {"fields": ("username", "password")}),
            ("Personal info", {"fields": ("first_name", "last_name", "email")}),
            ("Access", {"fields": access}),
            ("Important dates", {"fields": ("last_login", "date_joined")}),
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            form.acting_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = services.create_user(
                firm=self.firm_for(request, form),
                username=data["username"],
                role=data["role"],
                password=data["password1"] if data.get("set_usable_password") else None,
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                actor=request.user,
            )
            adopt(obj, created)
            return
        changed = set(form.changed_data)
        profile = {name: data[name] for name in services.PROFILE_FIELDS if name in changed}
        if profile:
            services.update_user_profile(user=obj, actor=request.user, **profile)
        if "role" in changed:
            services.change_role(user=obj, role=data["role"], actor=request.user)
        if "is_active" in changed:
            services.set_active(user=obj, active=data["is_active"], actor=request.user)
        adopt(obj, User.objects.get(pk=obj.pk))

    def _set_active(self, request, queryset, active: bool) -> None:
        changed = 0
        for user in queryset:
            if user.pk == request.user.pk and not active:
                self.message_user(request, "You cannot deactivate yourself.", messages.WARNING)
                continue
            if user.is_active != active:
                services.set_active(user=user, active=active, actor=request.user)
                changed += 1
        verb = "Activated" if active else "Deactivated"
        self.message_user(request, f"{verb} {changed} user(s).", messages.SUCCESS)

    @admin.action(description="Deactivate selected users", permissions=["change"])
    def deactivate_users(self, request, queryset):
        self._set_active(request, queryset, active=False)

    @admin.action(description="Activate selected users", permissions=["change"])
    def activate_users(self, request, queryset):
        self._set_active(request, queryset, active=True)

    @admin.action(description="Remove authenticator app (lost phone)", permissions=["change"])
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            try:
                removed = two_factor.disable_totp(user=user, actor=request.user)
            except DomainError as error:
                self.message_user(request, f"{user.username}: {error.message}", messages.ERROR)
                continue
            if removed:
                self.message_user(request, f"{user.username}: authenticator app removed.", messages.SUCCESS)


@admin.register(Firm)
class FirmAdmin(FirmScopedAdmin):
    """Superusers create and rename firms; an operator only sees their own."""

    firm_lookup = "pk"
    list_display = ("name", "created_at")
    search_fields = ("name",)
    fields = ("name", "created_at")
    readonly_fields = ("created_at",)

    def has_write_access(self, request) -> bool:
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if change:
            adopt(obj, services.rename_firm(firm=obj, name=form.cleaned_data["name"], actor=request.user))
        else:
            adopt(obj, services.create_firm(name=form.cleaned_data["name"], actor=request.user))


class TeamForm(forms.ModelForm):
    # The firm of a team an operator adds: theirs. The form does not show it, so Django's own
    # unique (firm, name) check would be skipped; ``clean`` makes it.
    default_firm_id: int | None = None

    class Meta:
        model = Team
        fields = ("name", "firm", "shares_book", "members")

    def clean(self):
        cleaned = super().clean()
        firm = cleaned.get("firm")
        firm_id = firm.pk if firm is not None else self.instance.firm_id or self.default_firm_id
        name = cleaned.get("name")
        if name and Team.objects.filter(firm_id=firm_id, name=name).exclude(pk=self.instance.pk).exists():
            self.add_error("name", "Your firm already has a team with this name.")
        return cleaned


@admin.register(Team)
class TeamAdmin(FirmScopedAdmin):
    form = TeamForm
    write_capability = Capability.MANAGE_USERS
    list_display = ("name", "firm", "shares_book", "member_count")
    list_filter = ("shares_book",)
    search_fields = ("name", "members__username", "members__last_name")
    list_select_related = ("firm",)
    filter_horizontal = ("members",)

    @admin.display(description="Members")
    def member_count(self, team: Team) -> int:
        return team.members.count()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("members")

    def get_fields(self, request, obj=None):
        if request.user.is_superuser and obj is None:
            return ("name", "firm", "shares_book", "members")
        return ("name", "shares_book", "members")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.default_firm_id = request.user.firm_id
        return form

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "members":
            if request.user.is_superuser:
                kwargs["queryset"] = User.objects.filter(role=Role.ADVISOR, is_active=True).select_related("firm")
            else:
                kwargs["queryset"] = advisors_of_firm(request.user.firm_id)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        name = form.cleaned_data["name"]
        if not change:
            adopt(obj, services.create_team(firm=self.firm_for(request, form), name=name, actor=request.user))
        elif "name" in form.changed_data:
            adopt(obj, services.rename_team(team=obj, name=name, actor=request.user))

    def save_related(self, request, form, formsets, change):
        # Membership and sharing go through the service (audited, firm-checked) instead of save_m2m().
        if not change or {"members", "shares_book"} & set(form.changed_data):
            services.set_team_members(
                team=form.instance,
                members=list(form.cleaned_data["members"]),
                shares_book=form.cleaned_data["shares_book"],
                actor=request.user,
            )
