"""What the relations service does, by resource; HTTP and the bus share these functions."""

from services.relations.handlers.unit_of_work import RelationsUnitOfWork, Via

__all__ = ["RelationsUnitOfWork", "Via"]
