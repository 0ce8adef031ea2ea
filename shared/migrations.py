"""Alembic per service: each service's migrations/ folder upgrades its own database only."""

from __future__ import annotations

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Engine, MetaData

from shared.outbox import include_platform_tables


def alembic_config(migrations_dir, engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def upgrade(migrations_dir, engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(migrations_dir, engine), revision)


def run_env(metadata: MetaData) -> None:
    """The body of every service's migrations/env.py."""
    include_platform_tables(metadata)
    engine = context.config.attributes.get("engine")
    if engine is None:
        from sqlalchemy import create_engine

        engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


def new_revision(migrations_dir, engine: Engine, message: str) -> None:
    """Autogenerate a revision from the difference between the models and an upgraded database."""
    config = alembic_config(migrations_dir, engine)
    command.upgrade(config, "head")
    command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":
    # python -m shared.migrations SERVICE "what changed": autogenerate against a scratch SQLite.
    import sys
    import tempfile

    from shared.db import make_engine
    from shared.plugins import service_plugins

    service, message = sys.argv[1], sys.argv[2]
    (plugin,) = service_plugins([service])
    with tempfile.TemporaryDirectory() as scratch:
        new_revision(plugin.migrations, make_engine(f"sqlite:///{scratch}/scratch.db"), message)
