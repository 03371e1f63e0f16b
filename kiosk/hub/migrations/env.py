"""Alembic environment for the hub. The hub runs migrations itself (kiosk.hub.migrate), on
the connection it hands over in config.attributes; `alembic` on the command line is not
needed. Runs online only: there is no SQL-script mode."""

from alembic import context

from kiosk.hub.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
