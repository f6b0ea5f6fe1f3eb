from django.db import migrations, models


class Migration(migrations.Migration):
    # depends on both 0008 leaves (main's host_reliability, dev_scale's tile candidates): it
    # merges them; renumber at merge if the lead merges them otherwise
    dependencies = [
        ("catalog", "0008_host_reliability"),
        ("catalog", "0008_scale_tile_candidates"),
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
