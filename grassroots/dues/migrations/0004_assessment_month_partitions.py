"""PostgreSQL: dues_assessment partitioned by month (grassroots/dues/partitions.py). The model is unchanged and
SQLite keeps its plain table."""

from django.db import migrations


def forward(apps, schema_editor):
    from grassroots.dues.partitions import partition

    partition(schema_editor)


def backward(apps, schema_editor):
    from grassroots.dues.partitions import unpartition

    unpartition(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("dues", "0003_payment_collected_by_org")]
    operations = [migrations.RunPython(forward, backward)]
