from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0012_scale_tile_candidates"),
    ]

    operations = [
        migrations.AddField(
            model_name="epoch",
            name="lr_fit",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Likelihood-ratio fit (q(m), n(m), Q0, band) of this epoch per host "
                "method version id (catalog.pipeline.lr_epoch).",
            ),
        ),
    ]
