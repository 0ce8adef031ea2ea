"""The bulk service declared to the platform."""

from pathlib import Path

from services.bulk import api
from services.bulk.models import Base
from shared.plugins import ServicePlugin

plugin = ServicePlugin(
    name="bulk",
    title="Cardbox bulk operations",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=(api.operations,),
)
