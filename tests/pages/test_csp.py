"""Every answer carries the Content-Security-Policy header; the pages hold no inline script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest


@pytest.mark.parametrize("path", ["/", "/search/", "/accounts/login/", "/api/docs/"])
def test_pages_send_a_policy_that_allows_only_this_origins_scripts(client, db, path):
    r = client.get(path)
    assert r.status_code == 200
    policy = dict(
        part.strip().split(" ", 1) for part in r["Content-Security-Policy"].split(";") if part
    )
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    # and nothing inline for that policy to block
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.content.decode())


def test_no_template_holds_an_inline_script_or_handler():
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for tpl in root.glob("*/templates/**/*.html"):
        text = tpl.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=", text):
            offenders.append(str(tpl.relative_to(root)))
    assert offenders == []
