"""The machinery the suites are written with: severities, `ref`, and `SuiteDefinition`.

Every expectation carries `meta.severity`, `error` (the build stops before
anything is published) or `warning` (reported, the build goes on), and
`meta.why`, the study's reason for it: `error()` and `warning()` set both. A
`SuiteDefinition` holds a suite's expectations and the query that builds its
batch (`batch_query`, naming dbt's relations as dbt does, `{{ ref('...') }}`:
`samspil.validate.batches` asks dbt's manifest where they are), and turns them
into the GX suite written to `gx/expectations/`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation

ERROR = "error"
WARNING = "warning"

# GX's own severity field, so its Data Docs show ours.
GX_SEVERITY = {ERROR: "critical", WARNING: "warning"}

REF = re.compile(r"\{\{\s*ref\(\s*'(\w+)'\s*\)\s*\}\}")
"""`{{ ref('name') }}` in a batch query: a model or seed of the dbt project."""


def ref(name: str) -> str:
    """`{{ ref('name') }}`, as a batch query names the model or seed `name`."""
    return "{{ ref('" + name + "') }}"


def error(expectation: Expectation, why: str) -> Expectation:
    """An expectation whose failure stops the build before anything is published."""
    return _classify(expectation, ERROR, why)


def warning(expectation: Expectation, why: str) -> Expectation:
    """An expectation whose failure is reported while the build goes on."""
    return _classify(expectation, WARNING, why)


def _classify(expectation: Expectation, severity: str, why: str) -> Expectation:
    why = " ".join(why.split())
    expectation.meta = {"severity": severity, "why": why}
    expectation.severity = GX_SEVERITY[severity]
    expectation.notes = f"**{severity}**: {why}"  # what the Data Docs show of meta
    return expectation


def day(date: dt.date) -> dt.datetime:
    """Dates arrive in the batch as pandas timestamps at midnight."""
    return dt.datetime(date.year, date.month, date.day)


@dataclass(frozen=True)
class SuiteDefinition:
    """One suite: its expectations and how to build its batch from the warehouse."""

    name: str
    description: str
    batch_query: str
    key: str
    expectations: list[Expectation]
    derived_columns: dict[str, str]

    @property
    def models(self) -> frozenset[str]:
        """The dbt models (and seeds) the batch query reads."""
        return frozenset(REF.findall(self.batch_query))

    def to_suite(self) -> gx.ExpectationSuite:
        """The GX suite, with ids derived from the expectations (stable JSON across runs)."""
        configurations = []
        for expectation in self.expectations:
            configuration = expectation.configuration
            fingerprint = json.dumps(configuration.to_json_dict(), sort_keys=True, default=str)
            configuration.id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.name}/{fingerprint}"))
            configurations.append(configuration)
        return gx.ExpectationSuite(
            name=self.name,
            expectations=configurations,
            notes=[
                " ".join(self.description.split()),
                f"Rows are identified by {self.key}. The batch:",
                f"```sql\n{self.batch_query}\n```",
            ],
            meta={
                "description": " ".join(self.description.split()),
                "batch_query": self.batch_query,
                "key": self.key,
                "derived_columns": self.derived_columns,
            },
        )


CVR_CHECK = {
    "is_cvr_valid": "cvr_number is eight digits passing the CVR modulus-11 check (null where "
    "no CVR); samspil.validate.batches.is_valid_cvr",
}


def cvr_check() -> Expectation:
    return error(
        gxe.ExpectColumnValuesToBeInSet(column="is_cvr_valid", value_set=[True]),
        "A CVR number is eight digits, the last a modulus-11 check digit (weights "
        "2,7,6,5,4,3,2,1); anything else (spaces, a 'DK' prefix, seven digits after a lost "
        "leading zero, a mistyped digit) would link the organisation to the wrong one or to "
        "none. Rows without a CVR are not judged.",
    )
