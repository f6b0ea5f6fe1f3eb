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
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests.factories import answer_field

MAX_EXAMPLES = 12


def rest_negative_data_rejection(ctx, response, case):
    """Schema-violating input is refused — except by the VO cone search, which answers every
    error as a VOTable with status 200, as Simple Cone Search 1.03 §2 requires."""
    if case.path.startswith("/api/vo/"):
        return None
    return negative_data_rejection(ctx, response, case)


# Not ``positive_data_acceptance``: an opaque cursor, an id that must exist (``?component=0``)
# and ``limit`` beside an export are schema-valid strings/integers that the server rightly
# refuses with a 400 naming them; the schema states every bound it can (limit 1..1000).
CHECKS = [
    not_a_server_error,
    status_code_conformance,  # no undocumented status code (401 on reads with bad credentials)
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    rest_negative_data_rejection,
    ignored_auth,  # a write without credentials is refused (401), never done
    unsupported_method,  # TRACE and undeclared methods are 405
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
