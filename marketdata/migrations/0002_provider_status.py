from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("marketdata", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProviderStatus",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=40, unique=True)),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("closed", "Closed (calls go through)"),
                            ("open", "Open (calls refused until the reset timeout)"),
                            ("half_open", "Half-open (one trial call)"),
                        ],
                        default="closed",
                        max_length=20,
                    ),
                ),
                ("consecutive_failures", models.PositiveIntegerField(default=0)),
                ("opened_at", models.DateTimeField(blank=True, null=True)),
                ("last_success_at", models.DateTimeField(blank=True, null=True)),
                ("last_failure_at", models.DateTimeField(blank=True, null=True)),
                ("last_error_class", models.CharField(blank=True, max_length=200)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name_plural": "provider statuses",
                "ordering": ["name"],
            },
        ),
        migrations.AlterField(
            model_name="dailybar",
            name="instrument",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="bars",
                to="marketdata.instrument",
            ),
        ),
    ]
