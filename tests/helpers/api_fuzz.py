"""A bounded schemathesis run against a served API: every operation of its OpenAPI document,
requests made from the document (valid ones with the token of each role, invalid ones with a
role allowed everywhere), and what the answers broke — a 5xx, a status the document does not
list for the route, a body or content type other than the documented one, and an invalid
request taken as if it were valid (the model accepting what its schema refuses).

The run is reproducible (hypothesis seeded, no example database) and bounded by the examples
per operation, role and mode: the suite runs a few, ``make fuzz-api`` many more
(``HALLQ_FUZZ_EXAMPLES``, and another seed with ``HALLQ_FUZZ_SEED``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

#: What every answer is checked for (an answer to an invalid request also for being a 4xx:
#: ``negative_data_rejection``).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
#: The suite's seed (``HALLQ_FUZZ_SEED`` overrides): the same requests every time.
SEED = 20
#: Examples per operation, role and mode in the suite (``HALLQ_FUZZ_EXAMPLES`` overrides).
SUITE_EXAMPLES = 2


def examples_per_operation() -> int:
    """How many requests per operation, role and mode: ``HALLQ_FUZZ_EXAMPLES`` or the
    suite's few."""
    return int(os.environ.get("HALLQ_FUZZ_EXAMPLES", SUITE_EXAMPLES))


def fuzz_seed() -> int:
    """The run's seed: ``HALLQ_FUZZ_SEED`` or the suite's."""
    return int(os.environ.get("HALLQ_FUZZ_SEED", SEED))


@dataclass(frozen=True)
class Finding:
    """One answer that broke a check: the request and what was wrong."""

    role: str
    operation: str
    mode: str
    status: int
    problem: str
    request: str

    def __str__(self) -> str:
        return (f"{self.operation} as {self.role} ({self.mode}): {self.status} "
                f"{self.problem}\n    {self.request}")


def fuzz(base_url: str, tokens: dict[str, str], examples: int, negative_role: str,
         fixed_query: dict[str, dict[str, Any]] | None = None) -> list[Finding]:
    """Run every operation of ``base_url``'s ``/openapi.json``: ``examples`` valid requests
    per operation with each role's token (``{role: token}``), and ``examples`` invalid ones
    per operation that has a query or a body with ``negative_role``'s (a role allowed
    everywhere, so that what is checked is the request, not the role). ``fixed_query``:
    query parameters held fixed per operation (``{"GET /path": {"wait": 0}}``: a long poll
    answered at once). The findings, at most one per operation, role, mode and kind of
    problem."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    findings: dict[tuple[str, str, str, str], Finding] = {}
    with requests.Session() as session:
        session.trust_env = False       # 127.0.0.1: no proxy to look up for each request
        for result in schema.get_all_operations():
            operation = result.ok()
            runs = [(GenerationMode.POSITIVE, role) for role in tokens]
            if operation.query or operation.body:
                runs.append((GenerationMode.NEGATIVE, negative_role))
            for mode, role in runs:
                run = _Run(base_url, session, role, tokens[role],
                           (fixed_query or {}).get(operation.label))
                for found in run.findings(operation, mode, examples):
                    findings.setdefault((found.operation, found.role, found.mode,
                                         found.problem.split(":")[0]), found)
    return list(findings.values())


@dataclass
class _Run:
    """Requests of one operation and mode with one role's token."""

    base_url: str
    session: requests.Session
    role: str
    token: str
    query: dict[str, Any] | None

    def findings(self, operation: schemathesis.APIOperation, mode: GenerationMode,
                 examples: int) -> list[Finding]:
        """What ``examples`` requests broke."""
        found: list[Finding] = []
        headers = {"Authorization": f"Bearer {self.token}"}
        checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE
                           else [])

        @seed(fuzz_seed())
        @settings(max_examples=examples, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck), print_blob=False)
        @given(case=operation.as_strategy(generation_mode=mode, query=self.query))
        def one(case: schemathesis.Case) -> None:
            try:
                response = case.call(base_url=self.base_url, session=self.session,
                                     headers=headers, timeout=10)
            except requests.RequestException as err:
                found.append(Finding(self.role, operation.label, mode.value, 0,
                                     f"No answer: {err}"[:600],
                                     case.as_curl_command(headers=headers)[:600]))
                return
            try:
                case.validate_response(response, checks=checks, headers=headers)
            except FailureGroup as group:
                for failure in group.exceptions:
                    found.append(Finding(
                        self.role, operation.label, mode.value, response.status_code,
                        f"{failure.title}: {failure.message}"[:600],
                        case.as_curl_command(headers=headers)[:600]))

        try:
            one()
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                raise
            # nothing of the operation can be made invalid (a path of plain strings)
        return found
