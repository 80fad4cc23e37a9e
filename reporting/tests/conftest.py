import pytest


@pytest.fixture(autouse=True)
def _reports_root(settings, tmp_path):
    """Report PDFs of a test go to its own temporary directory, never into var/."""
    settings.REPORTS_ROOT = tmp_path / "reports"
