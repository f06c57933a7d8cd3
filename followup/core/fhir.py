"""FHIR R4 Bundles and OperationOutcomes around resources of any kind: the API's search
results and errors, and the export's files. Built with `fhir.resources`' R4B models.

`fullUrl` is the resource's address on this server (`<base>/<type>/<id>`) when the base is
known; an export made without one (no public URL set) leaves it out rather than invent one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from fhir.resources.R4B.bundle import (
    Bundle,
    BundleEntry,
    BundleEntryRequest,
    BundleEntrySearch,
    BundleLink,
)
from fhir.resources.R4B.operationoutcome import OperationOutcome, OperationOutcomeIssue
from fhir.resources.R4B.resource import Resource

MEDIA_TYPE = "application/fhir+json"


def _full_url(base: str | None, resource: Resource) -> str | None:
    if base is None:
        return None
    return f"{base.rstrip('/')}/{resource.get_resource_type()}/{resource.id}"


def outcome(text: str, code: str = "invalid", severity: str = "error") -> OperationOutcome:
    """An OperationOutcome of one issue: `code` from FHIR's issue types (invalid,
    not-found, ...), `text` for a person."""
    return OperationOutcome(
        issue=[OperationOutcomeIssue(severity=severity, code=code, diagnostics=text)]
    )


def searchset(
    resources: Sequence[Resource],
    base: str,
    self_url: str,
    warning: OperationOutcome | None = None,
) -> Bundle:
    """A search's answer: every match (no paging: a patient's scales are a few dozen), and
    an OperationOutcome entry when something about the search deserves a word."""
    entries = [
        BundleEntry(
            fullUrl=_full_url(base, resource),
            resource=resource,
            search=BundleEntrySearch(mode="match"),
        )
        for resource in resources
    ]
    if warning is not None:
        entries.append(BundleEntry(resource=warning, search=BundleEntrySearch(mode="outcome")))
    return Bundle(
        type="searchset",
        total=len(resources),
        link=[BundleLink(relation="self", url=self_url)],
        entry=entries or None,
    )


def collection(resources: Sequence[Resource], base: str | None, timestamp: datetime) -> Bundle:
    """Resources to keep or hand over as one file."""
    return Bundle(
        type="collection",
        timestamp=timestamp.astimezone(UTC).replace(microsecond=0),
        entry=[BundleEntry(fullUrl=_full_url(base, r), resource=r) for r in resources] or None,
    )


def transaction(resources: Sequence[Resource], base: str | None, timestamp: datetime) -> Bundle:
    """Resources to POST to a FHIR server's base: each one a PUT by its id, so sending
    the same export twice updates what the server has instead of adding copies."""
    return Bundle(
        type="transaction",
        timestamp=timestamp.astimezone(UTC).replace(microsecond=0),
        entry=[
            BundleEntry(
                fullUrl=_full_url(base, resource),
                resource=resource,
                request=BundleEntryRequest(
                    method="PUT", url=f"{resource.get_resource_type()}/{resource.id}"
                ),
            )
            for resource in resources
        ]
        or None,
    )


def to_json(resource: Resource) -> str:
    """The resource as FHIR JSON: FHIR's own field names, empty fields left out."""
    return resource.model_dump_json()
