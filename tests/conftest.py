"""Test-wide fixtures. Settings: radiohost_site/test_settings.py (see pyproject.toml)."""
