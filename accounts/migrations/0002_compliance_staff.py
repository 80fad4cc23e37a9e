"""Compliance staff enter the admin (to keep the restricted list): existing compliance users become staff."""

from django.db import migrations


def compliance_is_staff(apps, schema_editor):
    apps.get_model("accounts", "User").objects.filter(role="compliance").update(is_staff=True)


def compliance_is_not_staff(apps, schema_editor):
    apps.get_model("accounts", "User").objects.filter(role="compliance").update(is_staff=False)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(compliance_is_staff, compliance_is_not_staff)]
