"""Background work: the import analysis (preview), the import commit and large exports. Each task takes an ID,
is idempotent (it acts only on a job in the state it expects) and calls a service."""

from django_tasks import task

from grassroots.spreadsheets import services


@task()
def import_analyze_task(job_id: int) -> str | None:
    job = services.import_analyze(job_id)
    return job.state if job else None


@task()
def import_commit_task(job_id: int) -> str | None:
    job = services.import_commit_run(job_id)
    return job.state if job else None


@task()
def export_task(job_id: int) -> str | None:
    job = services.export_run(job_id)
    return job.state if job else None
