"""Seed the national schedule of 中组发〔2008〕3号 from rules.SEED_BANDS (the one source of the rates)."""

from django.db import migrations


def seed(apps, schema_editor):
    seed_national(apps.get_model("dues", "RateSchedule"), apps.get_model("dues", "RateBand"))


def seed_national(RateSchedule, RateBand):  # noqa: N803 - model classes, historical or live
    """Also used by tests after a transactional test's flush emptied the table."""
    from grassroots.dues.rules import SEED_BANDS, SEED_SCHEDULE

    schedule, created = RateSchedule.objects.get_or_create(
        scope_path="", effective_from=SEED_SCHEDULE["effective_from"],
        defaults={"name": SEED_SCHEDULE["name"], "decision_ref": SEED_SCHEDULE["decision_ref"], "approved_by": "中共中央组织部"},
    )
    if not created:
        return
    RateBand.objects.bulk_create([
        RateBand(schedule=schedule, position=i, category=b.category, kind=b.kind, lower=b.lower, upper=b.upper,
                 rate=b.rate, fixed=b.fixed, fixed_min=b.fixed_min, fixed_max=b.fixed_max, source=b.source)
        for i, b in enumerate(SEED_BANDS)
    ])


class Migration(migrations.Migration):
    dependencies = [("dues", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
