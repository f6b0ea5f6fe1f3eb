from django.db import migrations, models


class Migration(migrations.Migration):
    # also merges the two leaves main (0010_export_jobs) and dev_scale
    # (0009_scale_tile_candidates) have; renumber if the lead orders them otherwise
    dependencies = [
        ("catalog", "0009_scale_tile_candidates"),
        ("catalog", "0010_export_jobs"),
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
