"""The ``real_data`` rule (tests/conftest.py): without the shared data a real-data test skips
on a developer's machine and fails loudly in CI; run as a new pytest process on real test
modules, with RADIOHOST_DATA_DIR pointing at an empty folder."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# one test per way a test finds its data: the marker on the function, a fixture calling
# require_real_data, and a parametrization that the missing folder leaves empty
NODES = [
    "tests/ml/test_classifier_data.py::test_sdss_dr14_counts_match_provenance",
    "tests/ml/test_preprocess_optical.py::test_galaxy_magnitude_is_physical",
    "tests/catalog/test_providers.py::test_real_vlass_headers_give_a_one_arcsec_sin_wcs",
]


def _pytest(data_dir: Path, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    base.update(RADIOHOST_DATA_DIR=str(data_dir), **env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", *NODES],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def empty(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("no-shared-data")


def test_missing_data_fails_in_ci_naming_the_path(empty):
    r = _pytest(empty, CI="true")
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    # a setup error per test (pytest reports "3 errors"), none of them skipped
    assert "3 errors" in out and "skipped" not in out, out
    sdss = empty / "sdss_dr14_specclass_sample" / "sdss_dr14_skyserver_10k_specclass.csv"
    assert f"real data missing: {sdss}" in out
    assert f"real data missing: {empty / 'images' / 'vlass_ql_headers'}" in out
    assert "CI must run every real-data test" in out


def test_missing_data_skips_on_a_developer_machine(empty):
    r = _pytest(empty)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "3 skipped" in out and "failed" not in out, out
    assert "set RADIOHOST_DATA_DIR to the shared data folder" in out


def test_ci_false_is_a_developer_machine(empty):
    r = _pytest(empty, CI="false")
    assert r.returncode == 0 and "3 skipped" in r.stdout, r.stdout + r.stderr


INLINE = """
import pytest

def test_looks_for_its_own_file():
    pytest.skip("real data not found: somewhere/file.fits")

def test_skips_for_another_reason():
    pytest.skip("needs PostgreSQL")
"""


def test_an_inline_real_data_skip_fails_in_ci_and_other_skips_stay_skips(tmp_path):
    # a test that skips by itself when its file is missing (not through the marker), run
    # under the project's conftest as a plugin
    (tmp_path / "test_inline.py").write_text(INLINE)
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    args = [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider"]
    args += ["-p", "no:django", "-q", "--rootdir", str(tmp_path), str(tmp_path)]
    ci = subprocess.run(args, cwd=ROOT, env={**base, "CI": "1"}, capture_output=True, text=True)
    assert ci.returncode == 1 and "1 failed, 1 skipped" in ci.stdout, ci.stdout + ci.stderr
    assert "somewhere/file.fits; CI must run every real-data test" in ci.stdout
    dev = subprocess.run(args, cwd=ROOT, env=base, capture_output=True, text=True)
    assert dev.returncode == 0 and "2 skipped" in dev.stdout, dev.stdout + dev.stderr
