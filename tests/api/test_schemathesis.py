"""A bounded, seeded schemathesis run over every API operation: no 500, responses match the schema.

Every operation of /api/schema/ is called through the WSGI app with generated parameters
and bodies (hypothesis, derandomised, ``MAX_EXAMPLES`` each), authenticated as a curator
so the label writer runs too, against a small catalogue with predictions and labels.
Checks: no server error, documented status code, documented content type, and the JSON
body valid against the response schema.
"""

from __future__ import annotations

import base64
import json

import pytest
import schemathesis
from django.contrib.auth.models import Permission, User
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import answer_field

MAX_EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _load_schema():
    # The document /api/schema/ serves, built without a request: loading it through the app
    # at collection time would need the database before any test has it.
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    spec = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))
    loaded = schemathesis.openapi.from_dict(spec)
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema()


@pytest.fixture
def catalogue(db):
    # The app is called directly (not through Django's test client), so keep the WSGI
    # handler from closing the test's connection (and its transaction) after each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    comp, old, opt, mv, ext = answer_field()
    user = User.objects.create_user("fuzz-curator", password="fuzz-pw-123")
    user.user_permissions.add(Permission.objects.get(codename="add_label"))
    token = base64.b64encode(b"fuzz-curator:fuzz-pw-123").decode()
    yield {"Authorization": f"Basic {token}"}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms(case, catalogue):
    case.call_and_validate(headers=catalogue, checks=CHECKS)
