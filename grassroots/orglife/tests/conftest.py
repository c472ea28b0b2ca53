import pytest
from django.utils.functional import empty


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    """Uploads go to a temporary folder, never var/ (the storage re-reads its root on next use)."""
    from grassroots.orglife.models import attachment_storage

    settings.ORGLIFE_ATTACHMENT_ROOT = str(tmp_path / "orglife")
    attachment_storage._wrapped = empty
    yield
    attachment_storage._wrapped = empty
