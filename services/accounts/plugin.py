"""The accounts service declared to the platform."""

from pathlib import Path

from services.accounts import api
from services.accounts.models import Base
from shared.plugins import ServicePlugin

plugin = ServicePlugin(
    name="accounts",
    title="Cardbox accounts",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=(api.account_types,),
)
