"""``manage.py seed_demo``: the demo firm, its users and households (idempotent)."""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from accounts.demo import DEFAULT_DEMO_PASSWORD, DEMO_FIRM, seed_demo

BASE_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = f"Create the demo firm {DEMO_FIRM!r} with a user of every role (password from DEMO_PASSWORD)."

    def handle(self, *args, **options):
        if settings.SETTINGS_MODULE.endswith(".production"):
            # Known passwords on a production database would be a way in for anyone who reads this file.
            raise CommandError("seed_demo refuses to run with production settings.")
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        try:
            logins = seed_demo(password=password)
        except ValidationError as error:
            raise CommandError(f"DEMO_PASSWORD is too weak: {' '.join(error.messages)}") from error
        width = max(len(login.username) for login in logins)
        self.stdout.write(f"Demo data ({DEMO_FIRM}) is ready. Sign in at {BASE_URL}{reverse('accounts:login')}")
        self.stdout.write(f"{'username':<{width}}  {'role':<10}  password")
        for login in logins:
            self.stdout.write(f"{login.username:<{width}}  {login.role:<10}  {login.password}")
        self.stdout.write("The operator enrols an authenticator app (TOTP) on first sign-in; the admin needs it.")
