"""One OpenAPI document for the whole product, merged from each service's own."""

from __future__ import annotations

import json
from typing import Any

COMPONENT_KINDS = ("schemas", "responses", "parameters", "requestBodies", "headers",
                   "securitySchemes", "examples", "links", "callbacks")


SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "A token from POST /api/accounts/login."},
    "apiKey": {"type": "apiKey", "in": "header", "name": "Authorization",
               "description": "An API client's key, sent as `ApiKey cbx_…`."},
}


def _namespaced(service: str, document: dict[str, Any]) -> dict[str, Any]:
    """Prefix a service's component names so two services' "RelationPage" cannot collide."""
    text = json.dumps(document)
    for kind in COMPONENT_KINDS:
        for name in document.get("components", {}).get(kind, {}):
            text = text.replace(f'"#/components/{kind}/{name}"',
                                f'"#/components/{kind}/{service}.{name}"')
    renamed = json.loads(text)
    for kind, entries in renamed.get("components", {}).items():
        renamed["components"][kind] = {f"{service}.{name}": value
                                       for name, value in entries.items()}
    return renamed


def merge(documents: dict[str, dict[str, Any]], *, version: str) -> dict[str, Any]:
    merged: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "Cardbox API",
            "version": version,
            "description": "Relations, selections, accounts and bulk operations behind one "
                           "gateway. Errors are application/problem+json (RFC 9457).",
        },
        "paths": {},
        "components": {"securitySchemes": SECURITY_SCHEMES},
        # Every route but log-in, activation and password reset needs one of these.
        "security": [{"bearer": []}, {"apiKey": []}],
        "tags": [],
    }
    for service, document in sorted(documents.items()):
        document = _namespaced(service, document)
        merged["paths"].update(document.get("paths", {}))
        for kind, entries in document.get("components", {}).items():
            merged["components"].setdefault(kind, {}).update(entries)
        for tag in document.get("tags", []):
            merged["tags"].append({**tag, "description": f"{service}: "
                                   f"{tag.get('description', '')}".strip()})
    return merged
