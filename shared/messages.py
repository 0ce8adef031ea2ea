"""The envelope every message travels in, and the declaration of a message type."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any, ClassVar

import fastjsonschema
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as MarshmallowError

from shared import context
from shared.errors import ValidationFailed


class EnvelopeSchema(Schema):
    id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]+(\.[a-z_]+)+$"))
    occurred_at = fields.AwareDateTime(required=True)
    source = fields.String(required=True)
    correlation_id = fields.String(required=True)
    causation_id = fields.String(allow_none=True, load_default=None)
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1))
    payload = fields.Dict(required=True)


@dataclass(frozen=True)
class Envelope:
    id: str
    type: str
    occurred_at: str
    source: str
    correlation_id: str
    payload: dict[str, Any]
    causation_id: str | None = None
    schema_version: int = 1

    def to_dict(self) -> dict[str, Any]:
        # Shallow: asdict() would deep-copy a payload of hundreds of relation states.
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Envelope:
        """Parse a received body; a malformed one raises ValidationFailed (dead-lettered)."""
        errors = EnvelopeSchema().validate(data)
        if errors:
            raise ValidationFailed("malformed message envelope", errors=errors)
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass(frozen=True)
class MessageType:
    """A message in a service's published contract: its routing name and payload schema."""

    kind: ClassVar[str] = "message"
    name: str
    schema: type[Schema]
    version: int = 1
    description: str = field(default="", compare=False)
    # False for commands whose handlers are idempotent by their own key (a bulk chunk by job
    # and relation): they answer a redelivery themselves, so the inbox keeps no copy.
    inbox: bool = field(default=True, compare=False)

    @property
    def service(self) -> str:
        return self.name.split(".", 1)[0]

    def validate(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Check a payload against the contract; answers it unchanged, or raises naming the
        first bad path."""
        try:
            _compiled(self.schema)(payload)
        except fastjsonschema.JsonSchemaValueException as exc:
            raise ValidationFailed(f"invalid {self.name} payload: {exc.message}",
                                   errors=_errors_of(exc)) from None
        return payload

    def load(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The payload as its handler receives it: validated, defaults filled in."""
        try:
            return self.schema().load(payload)
        except MarshmallowError as exc:
            raise ValidationFailed(f"invalid {self.name} payload", errors=exc.messages) from None

    def envelope(self, payload: dict[str, Any], *, source: str) -> Envelope:
        """Wrap a payload, stamped with the correlation and causation of the work in hand."""
        return Envelope(
            id=str(uuid.uuid4()),
            type=self.name,
            occurred_at=datetime.now(UTC).isoformat(),
            source=source,
            correlation_id=context.correlation_id() or str(uuid.uuid4()),
            causation_id=context.causation_id(),
            schema_version=self.version,
            payload=self.validate(payload),
        )


def _errors_of(exc: fastjsonschema.JsonSchemaValueException) -> dict[str, list[str]]:
    """{dotted path: [message]}; a missing property is named itself."""
    prefix = ".".join(exc.path[1:])
    if exc.rule == "required" and isinstance(exc.value, dict):
        return {".".join(filter(None, (prefix, name))): ["missing"]
                for name in exc.rule_definition if name not in exc.value}
    return {prefix or "payload": [exc.message]}


@cache
def _compiled(schema: type[Schema]):
    """The marshmallow contract compiled once to a JSON Schema validator: a batch event of
    500 relation states validates in milliseconds, not tens of them."""
    spec = APISpec("contract", "1", "3.1.0", plugins=[MarshmallowPlugin()])
    spec.components.schema("Payload", schema=schema)
    return fastjsonschema.compile({"$ref": "#/components/schemas/Payload",
                                   "components": spec.to_dict()["components"]})


class Event(MessageType):
    """Something that happened; published on `cardbox.events`, routing key = name."""

    kind = "event"


class Command(MessageType):
    """Something to do, sent to the owning service on `cardbox.commands`; answered by reply."""

    kind = "command"


class Query(MessageType):
    """A question for the owning service over request/reply; changes nothing."""

    kind = "query"
