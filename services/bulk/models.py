"""The bulk service's database: its platform tables for now; jobs and items join them."""

from sqlalchemy.orm import DeclarativeBase

from shared.tables import include_platform_tables


class Base(DeclarativeBase):
    pass


include_platform_tables(Base.metadata)
