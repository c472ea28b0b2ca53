import pytest


@pytest.fixture(autouse=True)
def spreadsheet_storage(settings, tmp_path):
    """Uploads, reports and exports of each test go to its own directory (never var/)."""
    settings.SPREADSHEETS_ROOT = tmp_path / "spreadsheets"
    return settings.SPREADSHEETS_ROOT
