"""Every write of the spreadsheets module: upload, background analysis (preview), commit, cancel, re-queue;
background exports. Imports are keyed on the ID number's blind index (SECURITY.md E4): the same file twice
changes nothing; a member the file places in another branch is moved (a transfer event), never doubled.

Member rows are validated exactly as the member service does (members.services._clean, which calls
members.rules.check_member and core.identity), and written set-based (core.bulk.bulk_insert, bulk_update) in
one transaction per file: a killed worker leaves nothing, and the job (state `committing`) can be re-queued.

The package, by concern: storage (stored files, progress), upload, rows (the row engines), analysis
(the preview and its error report), commit (commit, cancel, re-queue), export_jobs (background exports).
Every name of the former single module is re-exported here."""

from grassroots.spreadsheets import rules
from grassroots.spreadsheets.services.analysis import (
    IMPORT_SQLITE_CACHE_KIB,
    _bounded_sqlite_cache,
    _collector_paused,
    _dry_run,
    _report_value,
    _write_error_report,
    import_analyze,
    import_report_download,
)
from grassroots.spreadsheets.services.commit import (
    _mark_stale,
    import_cancel,
    import_commit,
    import_commit_run,
    import_requeue,
    job_is_stale,
)
from grassroots.spreadsheets.services.export_jobs import (
    _enqueue_export,
    _export_spec,
    export_download,
    export_queue,
    export_request,
    export_run,
)
from grassroots.spreadsheets.services.rows import (
    CHUNK_ROWS,
    ENGINES,
    FIELD_LABELS,
    MEMBER_EXISTING_FIELDS,
    UPDATE_FIELDS,
    ImportErrors,
    MemberImport,
    OrgImport,
    OrgIndex,
    RowResult,
    _Abort,
    _chunks,
    _DryRun,
    _engine,
    _error,
    _move_member,
    _open,
    _row_records,
    _same_text,
    insert_rows,
)
from grassroots.spreadsheets.services.storage import (
    _delete_stored,
    _progress_name,
    read_progress,
    storage,
    stored_path,
    write_progress,
)
from grassroots.spreadsheets.services.upload import (
    _enqueue_analyze,
    _enqueue_commit,
    _refuse,
    import_upload,
    same_file_imports,
)

__all__ = [
    "CHUNK_ROWS", "ENGINES", "FIELD_LABELS", "IMPORT_SQLITE_CACHE_KIB", "MEMBER_EXISTING_FIELDS", "UPDATE_FIELDS",
    "ImportErrors", "MemberImport", "OrgImport", "OrgIndex", "RowResult", "_Abort", "_DryRun",
    "_bounded_sqlite_cache", "_chunks", "_collector_paused", "_delete_stored", "_dry_run", "_engine", "_enqueue_analyze",
    "_enqueue_commit", "_enqueue_export", "_error", "_export_spec", "_mark_stale", "_move_member", "_open",
    "_progress_name", "_refuse", "_report_value", "_row_records", "_same_text", "_write_error_report",
    "export_download", "export_queue", "export_request", "export_run", "import_analyze", "import_cancel",
    "import_commit", "import_commit_run", "import_report_download", "import_requeue", "import_upload",
    "insert_rows", "job_is_stale", "read_progress", "rules", "same_file_imports", "storage", "stored_path",
    "write_progress",
]
