"""Background work for dues: a month's assessment of a subtree, run after the request commits."""

from django_tasks import task

from grassroots.dues.services import assessment_run_execute


@task()
def assess_month(run_id: int) -> dict:
    """Idempotent: a finished run is left alone, and the insert never doubles a member's month."""
    run = assessment_run_execute(run_id)
    return {"state": run.state, "created": run.created, "existing": run.existing, "undeclared": run.undeclared}
