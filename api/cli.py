"""The `knacka` command: serve, migrate, seed, user add."""

import os
import socket
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from api.accounts import service as accounts
from api.accounts.users import create_account
from api.core.config import get_settings
from api.core.db import make_engine
from api.core.errors import KnackaError
from api.models.accounts import Role
from api.ops.backup import BackupError, backup, restore
from api.ops.migrate import upgrade_to_head
from api.plan import catalogue
from api.plan.seed import SeedError, read_plan, seed_plan
from api.web.observability import configure_logging

app = typer.Typer(help="Knacka: dörrknackning för Socialdemokraterna i Göteborgsområdet.")
user_app = typer.Typer(help="Manage staff and organiser accounts.")
app.add_typer(user_app, name="user")
districts_app = typer.Typer(help="Valdistrikt boundaries from Valmyndigheten.")
app.add_typer(districts_app, name="districts")
plan_app = typer.Typer(help="The plan (AKs, goals, districts, topics) as a workbook.")
app.add_typer(plan_app, name="plan")


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


def _network_address() -> str:
    """This machine's address on its network (no packet is sent: a UDP connect only routes)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never reached
            return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"


def served_url(host: str, port: int) -> str:
    """Where a phone reaches this server when KNACKA_PUBLIC_URL is not set."""
    if host in ("0.0.0.0", "::", ""):
        host = _network_address()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


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
    public_url = settings.public_url or served_url(host, port)
    # Worker processes read their settings from the environment: they make the same links.
    os.environ["KNACKA_PUBLIC_URL"] = public_url
    get_settings.cache_clear()
    typer.echo(f"Knacka listens on http://{host}:{port}/")
    typer.echo(f"Invite links point to {public_url}/join/…")
    typer.echo(
        "Next: create a staff account with `knacka user add --email … --password … --role staff`,"
        f" then sign in at {public_url}/admin."
    )
    uvicorn.run(
        "api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        timeout_graceful_shutdown=20,
        log_config=None,
    )


@app.command("retention")
def retention_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only say what would be erased and purged")
    ] = False,
) -> None:
    """Gallring: erase long-inactive volunteers and purge old audit entries (see settings)."""
    from api.core.db import utcnow
    from api.ops.retention import run_retention

    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    try:
        with Session(engine) as session:
            report = run_retention(
                session=session,
                now=utcnow(),
                volunteer_inactive_days=settings.retention_volunteer_inactive_days,
                audit_days=settings.retention_audit_days,
                dry_run=dry_run,
                secret_key=settings.secret_key,
                shift_signup_days=settings.retention_shift_signup_days,
            )
            session.commit()
    finally:
        engine.dispose()
    typer.echo(report.describe().capitalize() + ".")


@app.command("push-pass")
def push_pass_command() -> None:
    """Web Push: owe, claim and send the reminders and notices due now (one pass)."""
    from api.push.reminders import PushWorker

    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    worker = PushWorker(engine, settings)
    try:
        report = worker.run_pass()
    finally:
        worker.close()
        engine.dispose()
    typer.echo(
        f"{report.sent} skickade, {report.dropped} inaktuella, {report.failed} försöks igen, "
        f"{report.gone} prenumerationer borttagna."
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


class AccountRole(StrEnum):
    """Roles with a password; volunteers join by invite only."""

    staff = "staff"
    organiser = "organiser"


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Option(help="Sign-in e-mail")],
    password: Annotated[str, typer.Option(help="At least 10 characters")],
    role: Annotated[AccountRole, typer.Option(help="staff or organiser")],
    ak: Annotated[
        list[str] | None,
        typer.Option(help="An organiser's AK slug (repeat for several; staff need none)"),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
) -> None:
    """Create a staff or organiser account that signs in with e-mail and password."""
    settings = get_settings()
    upgrade_to_head(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    try:
        with Session(engine) as session:
            aks = [catalogue.get_ak_by_slug(session=session, slug=s) for s in ak or []]
            user = create_account(
                session=session,
                email=email,
                password=password,
                role=Role(role.value),
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


@districts_app.command("import")
def districts_import(
    file: Annotated[Path, typer.Argument(help="Valmyndigheten's VD_…json (EPSG:3006) or WGS84")],
    division_year: Annotated[
        int | None, typer.Option(help="Election year of the division, e.g. 2026")
    ] = None,
    electorate: Annotated[
        Path | None,
        typer.Option(
            help="CSV with valdistrikt_code and rostberattigade (or electorate_2026_08_14)"
        ),
    ] = None,
    skip_other_kommuner: Annotated[
        bool, typer.Option(help="Skip districts of kommuner outside the partidistrikt")
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="Check and report, save nothing")] = False,
) -> None:
    """Import district boundaries: match by code, add new, retire vanished; one transaction."""
    from api.plan.district_import import (
        DistrictImportError,
        import_districts,
        read_boundary_file,
        read_electorate_csv,
    )

    settings = get_settings()
    upgrade_to_head(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    try:
        with Session(engine) as session:
            kommun_codes = {ak.kommun_code for ak in catalogue.list_aks(session=session)}
            if not kommun_codes:
                raise DistrictImportError("no_plan", "Databasen saknar AK. Kör knacka seed först.")
            for path in (file, electorate):
                if path is not None and not path.is_file():
                    raise DistrictImportError("no_file", f"Filen {path} finns inte.")
            boundary_file = read_boundary_file(
                file.read_bytes(),
                kommun_codes=kommun_codes,
                skip_other_kommuner=skip_other_kommuner,
            )
            counts = read_electorate_csv(electorate.read_bytes()) if electorate else None
            report = import_districts(
                session=session,
                boundary_file=boundary_file,
                division_year=division_year,
                electorate=counts,
            )
            report.dry_run = dry_run
            names = {f.code: f.name for f in boundary_file.features}
            names.update(
                {
                    d.code: d.name
                    for d in catalogue.list_districts(session=session, include_retired=True)
                }
            )
            if dry_run:
                session.rollback()
            else:
                session.commit()
            for line in report.lines(names):
                typer.echo(line)
    except DistrictImportError as exc:
        typer.echo(f"Importen avbröts, inget ändrades: {exc.message} ({exc.code})", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()


@plan_app.command("export")
def plan_export(
    file: Annotated[Path, typer.Argument(help="The .xlsx file to write")],
) -> None:
    """Write the current plan as a workbook to edit in Excel or LibreOffice."""
    from api.plan.workbook import export_plan

    settings = get_settings()
    upgrade_to_head(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    try:
        with Session(engine) as session:
            file.write_bytes(export_plan(session=session))
    finally:
        engine.dispose()
    typer.echo(f"Planen skriven till {file}.")


@plan_app.command("import")
def plan_import(
    file: Annotated[Path, typer.Argument(help="An edited copy of `knacka plan export`")],
    dry_run: Annotated[bool, typer.Option(help="Check and preview, save nothing")] = False,
) -> None:
    """Check the whole workbook, show every change, then apply them in one transaction."""
    from api.plan import workbook

    if not file.is_file():
        typer.echo(f"Filen {file} finns inte.", err=True)
        raise typer.Exit(2)
    settings = get_settings()
    upgrade_to_head(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    try:
        with Session(engine) as session:
            plan = workbook.read_workbook(file.read_bytes())
            preview = workbook.preview(session=session, plan=plan)
            for change in preview.changes:
                typer.echo(f"  {change.description}")
            if not preview.changes:
                typer.echo("Inga ändringar: planen i filen är densamma som i databasen.")
                return
            if dry_run:
                typer.echo(f"Provkörning: {len(preview.changes)} ändringar, inget sparades.")
                return
            workbook.apply(session=session, plan=plan, preview=preview)
            accounts.audit(
                session=session,
                actor_id=None,
                action="plan.import",
                detail=f"via command line: {workbook.summary(preview)}",
            )
            session.commit()
            typer.echo(f"Sparat: {len(preview.changes)} ändringar.")
    except workbook.WorkbookRefused as exc:
        typer.echo("Filen avvisades, inget ändrades:", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem.text()}", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()


@districts_app.command("turnout")
def districts_turnout(
    file: Annotated[
        Path, typer.Argument(help="Riksdag result CSV: valdistrikt_code, valdeltagande_pct")
    ],
    year: Annotated[int, typer.Option(help="The election the figures are from")] = 2022,
    comparable: Annotated[
        Path | None,
        typer.Option(
            help="The 2026 division CSV (comparable_to_2022, code_2022_if_comparable): "
            "carries a 2022 figure to a renumbered district"
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Check and report, save nothing")] = False,
) -> None:
    """Import valdeltagande per district (for "where to knock next"); one transaction."""
    from api.plan.district_import import (
        DistrictImportError,
        read_comparable_csv,
        read_turnout_csv,
        set_turnout,
    )

    settings = get_settings()
    upgrade_to_head(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    try:
        for path in (file, comparable):
            if path is not None and not path.is_file():
                raise DistrictImportError("no_file", f"Filen {path} finns inte.")
        turnout = read_turnout_csv(file.read_bytes())
        mapping = read_comparable_csv(comparable.read_bytes()) if comparable else None
        with Session(engine) as session:
            changed = set_turnout(session=session, turnout=turnout, year=year, comparable=mapping)
            if dry_run:
                session.rollback()
            else:
                session.commit()
        typer.echo(f"Valdeltagande {year} satt för {len(changed)} distrikt.")
        typer.echo("Provkörning: inget sparades." if dry_run else "Sparat.")
    except DistrictImportError as exc:
        typer.echo(f"Importen avbröts, inget ändrades: {exc.message} ({exc.code})", err=True)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()


def main() -> None:
    app()
