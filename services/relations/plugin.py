"""The relations service declared to the platform."""

from pathlib import Path

from services.relations.api import BLUEPRINTS
from services.relations.handlers import RelationsUnitOfWork
from services.relations.models import Base
from shared.plugins import ServicePlugin

plugin = ServicePlugin(
    name="relations",
    title="Cardbox relations",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=BLUEPRINTS,
    events={},  # relations listens to nobody
    commands={},
    uow_class=RelationsUnitOfWork,
)
