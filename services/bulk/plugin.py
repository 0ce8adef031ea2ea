"""The bulk service declared to the platform."""

from pathlib import Path

from services.bulk import api, worker
from services.bulk.jobs.reconcile import RECONCILE
from services.bulk.models import Base
from shared.access import RoutePermissions
from shared.permissions import BULK_READ, BULK_RUN
from shared.plugins import ServicePlugin

plugin = ServicePlugin(
    name="bulk",
    title="Cardbox bulk operations",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=(api.operations, api.jobs),
    permissions=RoutePermissions(read=BULK_READ, write=BULK_RUN),
    work_queues=(worker.tasks_queue,),
    embedded_workers=(worker.embedded_workers,),
    periodic=(RECONCILE,),
)
