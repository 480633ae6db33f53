"""The `knacka` command: serve, migrate, seed, user add."""

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from api import accounts, crud
from api.backup import BackupError, backup, restore
from api.config import get_settings
from api.db import make_engine
from api.errors import KnackaError
from api.migrate import upgrade_to_head
from api.models import Role
from api.observability import configure_logging
from api.seed import SeedError, read_plan, seed_plan

app = typer.Typer(help="Knacka: dörrknackning för Socialdemokraterna i Göteborgsområdet.")
user_app = typer.Typer(help="Manage staff and organiser accounts.")
app.add_typer(user_app, name="user")


def _migrate_and_seed(*, seed: bool) -> None:
    settings = get_settings()
    upgrade_to_head(settings.effective_database_url)
    if not seed:
        return
    engine = make_engine(settings.effective_database_url)
    try:
        plan = read_plan(settings.seeds_dir)
        with Session(engine) as session:
            report = seed_plan(session=session, plan=plan)
        if report.changed:
            typer.echo(
                f"Seeded {report.aks} AKs, {report.districts} districts, {report.goals} goals."
            )
        else:
            typer.echo("The plan is already in the database; nothing changed.")
    except SeedError as exc:
        typer.echo(f"Seed file error: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()


@app.command()
def migrate() -> None:
    """Upgrade the database schema to the newest migration."""
    _migrate_and_seed(seed=False)
    typer.echo("Database is at the newest migration.")


@app.command()
def seed() -> None:
    """Load the plan (Bilaga 1-3) into the database; rows that exist are never changed."""
    _migrate_and_seed(seed=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for API and PWA")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Migrate, seed an empty database, and serve the API and the PWA on one port."""
    import uvicorn

    settings = get_settings()
    configure_logging(json_logs=settings.log_json)
    _migrate_and_seed(seed=True)
    typer.echo(f"Knacka listens on http://{host}:{port}/")
    uvicorn.run(
        "api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        timeout_graceful_shutdown=20,
        log_config=None,
    )


@app.command("backup")
def backup_command(
    target: Annotated[Path, typer.Argument(help="File to write the backup to")],
) -> None:
    """Back up the database while Knacka runs (SQLite online backup, or pg_dump)."""
    try:
        backup(get_settings().effective_database_url, target)
    except BackupError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Backup written to {target}.")


@app.command("restore")
def restore_command(
    source: Annotated[Path, typer.Argument(help="A file made by `knacka backup`")],
    yes: Annotated[bool, typer.Option("--yes", help="Replace the database without asking")] = False,
) -> None:
    """Replace the database with a backup. Stop the API first."""
    if not yes:
        typer.confirm("This replaces everything in the database. Continue?", abort=True)
    try:
        restore(get_settings().effective_database_url, source)
    except BackupError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Restored from {source}.")


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Option(help="Sign-in e-mail")],
    password: Annotated[str, typer.Option(help="At least 10 characters")],
    role: Annotated[Role, typer.Option(help="staff or organiser")],
    ak: Annotated[list[str] | None, typer.Option(help="AK slug (repeat for several)")] = None,
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
) -> None:
    """Create a staff or organiser account that signs in with e-mail and password."""
    settings = get_settings()
    upgrade_to_head(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    try:
        with Session(engine) as session:
            aks = [crud.get_ak_by_slug(session=session, slug=s) for s in ak or []]
            user = crud.create_account(
                session=session,
                email=email,
                password=password,
                role=role,
                name=name or email.split("@")[0],
                aks=aks,
            )
            accounts.audit(
                session=session,
                actor_id=None,
                action="user.create",
                target_user_id=user.id,
                detail=f"{role.value} via command line: name, email, aks",
            )
            session.commit()
            typer.echo(f"Created {role.value} {user.email} (id {user.id}).")
    except KnackaError as exc:
        typer.echo(f"Error: {exc.detail} ({exc.code})", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()


def main() -> None:
    app()
