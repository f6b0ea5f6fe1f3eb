"""Test-wide fixtures. Settings: radiohost_site/test_settings.py (see pyproject.toml)."""

import os

import pytest
from hypothesis import HealthCheck, settings

# CI runs every property test on the same examples (derandomized: a random failure can't stop
# a submission, and a failure found once is found again); a developer's run explores.
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

#: position typed -> (part at fault, exact message): the same on the search page, in the API
#: and from the parser itself (one parser)
BAD_POSITIONS = {
    "400 0": ("ra", "RA must be in [0, 360) deg, got '400'"),
    "-10 0": ("ra", "RA must be in [0, 360) deg, got '-10'"),
    "10 95": ("dec", "Dec must be in [-90, 90] deg, got '95'"),
    "nan 0": ("ra", "RA must be in [0, 360) deg, got 'nan'"),
    "10 nan": ("dec", "Dec must be in [-90, 90] deg, got 'nan'"),
    "03:32:00 -97:48:00": ("dec", "Dec must be in [-90, 90] deg, got '-97:48:00'"),
    "nowhere": (
        None,
        "cannot read a position from 'nowhere': give 'RA Dec' in decimal degrees "
        "(150.1 2.2) or sexagesimal (10:00:24.0 +02:12:00)",
    ),
}


@pytest.fixture(params=sorted(BAD_POSITIONS), ids=lambda text: text.replace(" ", "_"))
def bad_position(request) -> tuple[str, tuple[str | None, str]]:
    """``(text, (part at fault, exact message))`` for each of ``BAD_POSITIONS``."""
    return request.param, BAD_POSITIONS[request.param]


@pytest.fixture
def eager():
    """Celery tasks run in-process: a chord, its tiles and callbacks within the test."""
    from radiohost_site.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _absent(*rel) -> list[str]:
    """The paths under RADIOHOST_DATA_DIR among ``rel`` that are absent: a file that does not
    exist, or a folder that does not exist or is empty (none given: the folder itself)."""
    from ml.paths import data_dir

    root = data_dir()
    paths = [root / r for r in (rel or (".",))]
    return [str(p) for p in paths if not (p.is_file() or (p.is_dir() and any(p.iterdir())))]


def _skip_or_fail(missing: list[str]) -> None:
    """Real-data tests skip on a developer's machine without the data, but fail in CI: a CI
    run that silently skipped them would report the reproductions (Norris-71 71/71, the
    SDSS classifier, the real-sample ingests) as passing when nothing was measured."""
    msg = (
        f"real data missing: {', '.join(missing)} — set RADIOHOST_DATA_DIR to the shared "
        "data folder (default ../shared/data)"
    )
    if _in_ci():
        pytest.fail(f"{msg}; CI must run every real-data test", pytrace=False)
    pytest.skip(msg)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.real_data(*paths)``: checked before the skipping plugin runs, so a
    parametrization that a missing folder left empty fails in CI too."""
    missing = [m for mark in item.iter_markers("real_data") for m in _absent(*mark.args)]
    if missing:
        _skip_or_fail(missing)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """In CI, an inline ``pytest.skip("real data not found ...")`` (a test that looks for its
    files itself instead of using the marker) is a failure too."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _in_ci() and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if "real data" in reason and "CI must run" not in reason:
            report.outcome = "failed"
            report.longrepr = f"{reason}; CI must run every real-data test"


@pytest.fixture(scope="session")
def require_real_data():
    """``require_real_data(*paths)`` for fixtures and helpers that find their files at run
    time: the same skip-locally, fail-in-CI rule as the ``real_data`` marker."""
    from ml.paths import data_dir

    def require(*rel):
        missing = _absent(*rel)
        if missing:
            _skip_or_fail(missing)
        return data_dir()

    return require
