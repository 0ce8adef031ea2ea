"""The selections service on its own: relations events dispatched to it the way its consumer
does, filters asked through a gateway in front of it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from werkzeug.test import Client

from gateway.app import Gateway
from gateway.backends import InProcessBackend
from services.relations.messages import RelationCreated
from shared.auth import Principal
from shared.config import Settings
from shared.http import create_app
from shared.messages import Event
from shared.permissions import permissions_for_roles
from shared.plugins import service_plugins
from shared.runtime import ServiceRuntime, bootstrap
from tests.support.postgres import unit_database_url


def now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Selections:
    runtime: ServiceRuntime
    api: Client

    # --- events in ----------------------------------------------------------------------------

    def absorb(self, event: Event, payload: dict[str, Any]) -> None:
        """Handle a relations event as the consumer would (inbox included)."""
        self.runtime.dispatch(event.envelope(payload, source="relations"))

    def add(self, **fields: Any) -> dict[str, Any]:
        """A relation created upstream; answers its state."""
        relation = self.state(**fields)
        self.absorb(RelationCreated, {"relation": relation})
        return relation

    @staticmethod
    def state(id: str | None = None, **fields: Any) -> dict[str, Any]:
        """A relation state as relations events carry it (a person unless told)."""
        return {"id": id or str(uuid.uuid4()), "type": "person", "initials": None,
                "first_name": None, "infix": None, "last_name": None, "organisation_name": None,
                "birth_date": None, "emails": [], "phones": [], "address": None,
                "status": "active", "fields": {}, "tags": [], "version": 1,
                "created_at": now(), "updated_at": now(), **fields}

    @staticmethod
    def field(key: str, type: str, options: tuple[str, ...] = (), **extra: Any) -> dict:
        """A custom field definition as relations events carry it."""
        return {"key": key, "label": key.title(), "type": type, "required": False,
                "options": [{"key": option, "label": option.title()} for option in options],
                "applies_to": ["person", "organisation"], "created_at": now(),
                "updated_at": now(), **extra}

    @staticmethod
    def definition(key: str, **extra: Any) -> dict[str, Any]:
        """A tag or dossier action definition as relations events carry it."""
        return {"key": key, "label": key.title(), "description": None, "category": None,
                "created_at": now(), "updated_at": now(), **extra}

    # --- filters out --------------------------------------------------------------------------

    def answer(self, filter_node: Any, path: str = "count", **body: Any):
        return self.api.post(f"/api/selections/filters/{path}",
                             json={"filter": filter_node, **body})

    def count(self, filter_node: Any) -> int:
        response = self.answer(filter_node)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["count"]

    def ids(self, filter_node: Any) -> set[str]:
        """The ids a filter finds (every page), checked against its count."""
        found, cursor = [], None
        while True:
            response = self.answer(filter_node, "query", limit=500, cursor=cursor)
            assert response.status_code == 200, response.get_json()
            page = response.get_json()
            found += [item["id"] for item in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        assert len(found) == len(set(found)) == self.count(filter_node)
        return set(found)

    def problem(self, filter_node: Any) -> dict[str, Any]:
        """The 422 problem+json a bad filter gets."""
        response = self.answer(filter_node)
        assert response.status_code == 422, response.get_json()
        assert response.content_type == "application/problem+json"
        return response.get_json()


# Who the harness's gateway says is calling: it has no accounts service to ask.
SUPERUSER = Principal(kind="staff", id="harness-superuser", roles=("superuser",),
                      permissions=permissions_for_roles(["superuser"]))


def start_selections(var_dir, database_url: str = "") -> tuple[Selections, ServiceRuntime]:
    settings = Settings(var_dir=var_dir, database_url=database_url,
                        principal_secret="unit-test-secret-" + "x" * 20)
    (plugin,) = service_plugins(["selections"])
    runtime = bootstrap(plugin, settings, declare=False)
    gateway = Gateway(settings, {"selections": InProcessBackend(create_app(runtime))})
    # A test-only identity in place of asking the accounts service what a token stands for.
    gateway.authenticator.identify = lambda environ: (SUPERUSER, False)
    return Selections(runtime, Client(gateway)), runtime


@pytest.fixture
def selections(tmp_path) -> Iterator[Selections]:
    """A fresh selections service (its own database), no consumer threads."""
    with unit_database_url(["selections"]) as database_url:
        service, runtime = start_selections(tmp_path, database_url)
        yield service
        runtime.stop()


@pytest.fixture(scope="module")
def shared_selections(tmp_path_factory) -> Iterator[Selections]:
    """One selections service for a whole module: for read-only filter tests on seeded data."""
    with unit_database_url(["selections"]) as database_url:
        service, runtime = start_selections(tmp_path_factory.mktemp("selections"), database_url)
        yield service
        runtime.stop()
