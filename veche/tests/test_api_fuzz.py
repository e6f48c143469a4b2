"""The API against its own contract, by a fuzzer: every operation of /api/openapi.json, with inputs made from
its schema (valid and not), answers without a server error and with the shape the schema documents.

Schemathesis drives the WSGI application in this process, on the test database (SQLite or PostgreSQL, as the
run is); the examples per operation are kept few enough for the suite's time (the CI budget), and the
examples are derandomised so that a failure is met again on the next run.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES = 25  # per operation and mode: about 20 s for the whole API
CHECKS = [not_a_server_error, response_schema_conformance]


def check_operation(operation, mode: GenerationMode, calls: list) -> str | None:
    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        # As behind the web server on a unix socket: the client is the address it forwards.
        response = case.call_and_validate(checks=CHECKS, headers={"X-Forwarded-For": "203.0.113.9"})
        calls.append(response.status_code)

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.NEGATIVE:
            return None  # nothing can be sent that breaks the schema (no parameters, or any string is valid)
        return f"{operation.label}: no valid request could be made from the schema"
    except Exception as exc:  # every failure is reported, operation by operation
        return f"{operation.label} ({mode}): {exc}"
    return None


@pytest.fixture
def connection_kept():
    """The test's transaction must outlive each request, as Django's own test client sees to: a raw WSGI call
    would close the connection when the request ends."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_every_operation_keeps_to_its_contract(db, connection_kept, settings, monkeypatch):
    settings.TRUSTED_PROXIES = ["unix"]
    monkeypatch.setattr("monitor.intake.LIMIT_CLIENT", 10**6)  # reports are taken, not refused by the hour
    monkeypatch.setattr("monitor.intake.LIMIT_NETWORK", 10**6)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    calls: list[int] = []
    failures = [
        failure
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if (failure := check_operation(operation, mode, calls))
    ]
    assert not failures, "\n\n".join(failures)
    assert len(calls) > 10 * len(operations)  # it did ask
    assert {200, 400, 404, 422} <= set(calls)  # found, missed, and was refused
