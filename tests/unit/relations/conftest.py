"""What the relations unit tests share: the relations runtime and the events it committed."""

import json

import pytest
from sqlalchemy import select

from shared.tables import outbox


@pytest.fixture
def relations_service(product):
    return next(runtime for runtime in product.runtimes if runtime.name == "relations")


def emitted(service, event_type):
    """The payloads of the events of one type the relations service committed, in order."""
    with service.unit_of_work() as uow:
        bodies = uow.session.scalars(select(outbox.c.body).where(
            outbox.c.routing_key == event_type).order_by(outbox.c.id))
        return [json.loads(body)["payload"] for body in bodies]
