"""Door logs: batch ingest (exactly once), voids, and the rollups they keep in step.

Ingest validates every item in Python, inserts the good ones with one multi-row
INSERT ... ON CONFLICT (id) DO NOTHING RETURNING id, and classifies the ids that were not
returned as duplicate or conflict from the stored rows. There is never a check-then-insert,
so concurrent sends of one log make one row. The rollups change in the same transaction.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update
from sqlmodel import Session

from api.accounts.access import organises
from api.core.errors import Forbidden, PayloadTooLarge, not_found
from api.core.stockholm import stockholm_day
from api.door_logs import opinions
from api.door_logs.rollups import ak_t, apply_to_rollups, assignment_t, district_t, door_log
from api.door_logs.sql import active_topic_slugs, district_ak_slugs, insert_logs
from api.models.accounts import Role
from api.models.door_logs import Outcome, Source
from api.shifts.rules import UNKNOWN_SHIFT, log_fits_shift, shift_facts, signed_up_shifts

MAX_BATCH = 500

SKEW_LIMIT = timedelta(hours=24)

OUTCOMES = frozenset(o.value for o in Outcome)

ITEM_FIELDS = frozenset(
    {
        "id",
        "district_id",
        "occurred_at",
        "outcome",
        "topics",
        "new_member",
        "left_material",
        "shift_id",
    }
)

EARLIEST = datetime.fromisoformat("2000-01-01T00:00:00+00:00")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who logs: enough to decide access without loading more than the batch needs."""

    user_id: int
    role: str
    aks: Sequence[str]


class Rejected(Exception):
    def __init__(self, code: str) -> None:
        self.code = code


# --- Validation -------------------------------------------------------------------------


def _parse_item(item: Any) -> dict[str, Any]:
    """One item to a row (without access or timing facts), or Rejected with a code."""
    if not isinstance(item, dict):
        raise Rejected("invalid_item")
    if not ITEM_FIELDS.issuperset(item):
        raise Rejected("unknown_field")
    raw_id = item.get("id")
    try:
        if not isinstance(raw_id, str) or len(raw_id) > 40:
            raise ValueError
        log_id = uuid.UUID(raw_id)
    except ValueError:
        raise Rejected("invalid_id") from None
    outcome = item.get("outcome")
    if outcome not in OUTCOMES:
        raise Rejected("unknown_outcome")
    district_id = item.get("district_id")
    if type(district_id) is not int or not 0 < district_id < 2**31:
        raise Rejected("unknown_district")
    raw_at = item.get("occurred_at")
    try:
        if not isinstance(raw_at, str) or len(raw_at) > 40:
            raise ValueError
        occurred_at = datetime.fromisoformat(raw_at)
        if occurred_at.tzinfo is None or occurred_at < EARLIEST:
            raise ValueError
    except (ValueError, OverflowError):
        raise Rejected("invalid_occurred_at") from None
    topics = item.get("topics", [])
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise Rejected("invalid_item")
    new_member = item.get("new_member", False)
    left_material = item.get("left_material", False)
    if type(new_member) is not bool or type(left_material) is not bool:
        raise Rejected("invalid_item")
    # Joining the party happens in a conversation; anything else is a client error.
    if new_member and outcome != Outcome.conversation:
        raise Rejected("invalid_item")
    # A reference, not the log: one that cannot be right is dropped later, never refused.
    shift_ref = item.get("shift_id")
    if shift_ref is not None and (type(shift_ref) is not int or not 0 < shift_ref < 2**31):
        shift_ref = -1
    return {
        "shift_ref": shift_ref,
        "id": log_id,
        "district_id": district_id,
        "occurred_at": occurred_at,
        "outcome": outcome,
        "topics": ",".join(sorted(set(topics))),
        "new_member": new_member,
        "left_material": left_material,
    }


def counted_moment(occurred_at: datetime, received_at: datetime) -> tuple[datetime, bool]:
    """The moment a log counts at, and whether the phone's clock ran more than 24 h ahead."""
    if occurred_at - received_at > SKEW_LIMIT:
        return received_at, True
    return occurred_at, False


class _Access:
    """Which districts the caller may log in, looked up once per batch."""

    def __init__(
        self, *, session: Session, caller: Caller, district_ids: set[int], ak_of: dict[int, str]
    ) -> None:
        self.caller = caller
        self.ak_of = ak_of
        self.assigned: dict[int, list[tuple[date | None, date | None]]] = defaultdict(list)
        a = assignment_t
        foreign = [d for d in district_ids if d in ak_of and ak_of[d] not in caller.aks]
        if caller.role == Role.volunteer and foreign:
            for d, starts_on, ends_on in session.execute(
                select(a.c.district_id, a.c.starts_on, a.c.ends_on).where(
                    a.c.user_id == caller.user_id, a.c.district_id.in_(foreign)
                )
            ):
                self.assigned[d].append((starts_on, ends_on))

    def check(self, district_id: int, day: date) -> None:
        slug = self.ak_of.get(district_id)
        if slug is None:
            raise Rejected("unknown_district")
        if self.caller.role == Role.staff or slug in self.caller.aks:
            return
        if self.caller.role == Role.volunteer and any(
            (s is None or s <= day) and (e is None or day <= e)
            for s, e in self.assigned.get(district_id, ())
        ):
            return
        raise Rejected("district_not_allowed")


# --- Ingest -----------------------------------------------------------------------------


_CONTENT = ("district_id", "user_id", "occurred_at", "outcome", "topics", "new_member")

_KEPT = ("district_id", "user_id", "outcome", "new_member", "left_material")


def _same_content(stored: Any, row: dict[str, Any], topics: dict[int, str]) -> bool:
    """What the stored log keeps equals the sent one; `topics` are the stored opinions.

    A final log keeps its time only to the hour and its topics only as counts, so a resend
    of it is compared on what is left (docs/PRODUCT.md, "Counting rules").
    """
    if stored.source != Source.app or not all(getattr(stored, k) == row[k] for k in _KEPT):
        return False
    if stored.final:
        return bool(stored.occurred_at == _to_the_hour(row["occurred_at"]))
    return bool(
        stored.occurred_at == row["occurred_at"] and topics.get(stored.id.int, "") == row["topics"]
    )


def _to_the_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass
class IngestResult:
    results: list[dict[str, Any]]
    years: set[int]
    announced: bool = False  # the change was announced inside the write's transaction

    @property
    def created(self) -> int:
        return sum(1 for r in self.results if r["status"] == "created")


def check_batch_size(items: list[Any]) -> None:
    if len(items) > MAX_BATCH:
        raise PayloadTooLarge("payload_too_large", f"At most {MAX_BATCH} logs a batch")


@dataclass
class ParsedBatch:
    """A sync's items checked for everything that needs no database, in item order."""

    results: list[dict[str, Any]]  # what parsing alone says: rejected with a code, or to be seen
    rows: list[tuple[int, dict[str, Any]]]  # (index in the batch, the log's row)


_APP = Source.app.value


def parse_batch(items: list[Any], now: datetime) -> ParsedBatch:
    """Validate each item and place it in time; needs no database, so it runs before the
    group committer's writer takes the sync (the writer's time is what every phone waits on)."""
    check_batch_size(items)
    results: list[dict[str, Any]] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    for index, item in enumerate(items):
        raw_id = item.get("id") if isinstance(item, dict) else None
        results.append({"id": raw_id if isinstance(raw_id, str) else None, "status": "rejected"})
        try:
            row = _parse_item(item)
        except Rejected as exc:
            results[index]["code"] = exc.code
            continue
        counted_at, skew = counted_moment(row["occurred_at"], now)
        row.update(
            received_at=now,
            counted_on=stockholm_day(counted_at),
            clock_skew=skew,
            source=_APP,
        )
        rows.append((index, row))
    return ParsedBatch(results, rows)


def ingest(*, session: Session, caller: Caller, items: list[Any], now: datetime) -> IngestResult:
    """Validate, insert once, classify; the caller commits. Results are in item order."""
    return ingest_batches(session=session, batches=[(caller, parse_batch(items, now))])[0]


def ingest_batches(
    *, session: Session, batches: Sequence[tuple[Caller, ParsedBatch]]
) -> list[IngestResult]:
    """Several syncs in one insert, one read-back and one rollup update (a group commit).

    Each sync is answered as if it ran alone after the ones before it: a log that an earlier
    sync of the group stored is a duplicate (or a conflict) for the later ones. The caller
    commits. Every row goes in sorted by id and every rollup by key, so concurrent groups,
    also of other processes, take their locks in one order.
    """
    # Fresh answers each time: a group that failed is run again, one sync at a time.
    answers = [[dict(result) for result in batch.results] for _, batch in batches]
    district_ids = {row["district_id"] for _, batch in batches for _, row in batch.rows}
    if not district_ids:
        return [IngestResult(results, set()) for results in answers]
    known_topics = active_topic_slugs(session=session)
    # Straight to the driver: SQLAlchemy's expanding IN cost a quarter of the ingest.
    ak_of = district_ak_slugs(session=session, district_ids=sorted(district_ids))
    first_of: dict[int, tuple[int, int]] = {}  # id (as int: hashing UUIDs is slow) -> (sync, index)
    to_insert: list[dict[str, Any]] = []
    later: list[tuple[int, int, dict[str, Any]]] = []  # an id already seen in this group
    # Refused for what the server knows now (a retired topic, an ended assignment): if the
    # log is already stored from an earlier send, the phone is told so instead.
    refused: list[tuple[int, int, dict[str, Any]]] = []
    shift_ids = sorted(
        {
            row["shift_ref"]
            for _, batch in batches
            for _, row in batch.rows
            if row["shift_ref"] not in (None, -1)
        }
    )
    shifts = shift_facts(session=session, shift_ids=shift_ids)
    for number, (caller, batch) in enumerate(batches):
        access = _Access(
            session=session,
            caller=caller,
            district_ids={row["district_id"] for _, row in batch.rows},
            ak_of=ak_of,
        )
        # Another AK's shift counts for a volunteer who signed up to it.
        foreign_shifts = sorted(
            {
                row["shift_ref"]
                for _, row in batch.rows
                if row["shift_ref"] in shifts and shifts[row["shift_ref"]].ak not in caller.aks
            }
        )
        signed_up = signed_up_shifts(
            session=session, user_id=caller.user_id, shift_ids=foreign_shifts
        )
        for index, row in batch.rows:
            row["user_id"] = caller.user_id
            row["shift_id"] = None
            if (ref := row["shift_ref"]) is not None:
                warning = (
                    log_fits_shift(
                        shift=shifts.get(ref),
                        role=caller.role,
                        aks=caller.aks,
                        signed_up=ref in signed_up,
                        district_id=row["district_id"],
                        occurred_at=row["occurred_at"],
                    )
                    if ref != -1
                    else UNKNOWN_SHIFT
                )
                if warning is None:
                    row["shift_id"] = ref
                else:
                    answers[number][index]["warning"] = warning
            try:
                access.check(row["district_id"], row["counted_on"])
                if row["topics"] and not known_topics.issuperset(row["topics"].split(",")):
                    raise Rejected("unknown_topic")
            except Rejected as exc:
                answers[number][index]["code"] = exc.code
                refused.append((number, index, row))
                continue
            key = row["id"].int
            if key in first_of:
                later.append((number, index, row))
                continue
            first_of[key] = (number, index)
            to_insert.append(row)

    to_insert.sort(key=lambda r: r["id"].int)
    created, counted = insert_logs(session=session, rows=to_insert, count=True)

    by_id = {row["id"].int: row for row in to_insert}
    look_up = [row["id"] for key, row in by_id.items() if key not in created]
    look_up += [row["id"] for _, _, row in refused]
    look_up += [row["id"] for number, _, row in later if first_of[row["id"].int][0] != number]
    stored = {}
    topics: dict[int, str] = {}
    if look_up:
        stored = {
            r.id.int: r
            for r in session.execute(door_log.select().where(door_log.c.id.in_(look_up))).all()
        }
        topics = opinions.joined(session=session, log_ids=look_up)

    for key, row in by_id.items():
        number, index = first_of[key]
        if key in created:
            answers[number][index]["status"] = "created"
        else:
            same = _same_content(stored[key], row, topics)
            answers[number][index]["status"] = "duplicate" if same else "conflict"
    for number, index, row in later:
        key = row["id"].int
        first_number, first_index = first_of[key]
        results = answers[number]
        if first_number == number:
            # Again in the same batch: like a resend of the first, a duplicate unless it (or
            # the first) is a conflict.
            first = by_id[key]
            same = all(first[k] == row[k] for k in (*_CONTENT, "left_material"))
            conflicted = not same or results[first_index]["status"] == "conflict"
        else:  # sent by an earlier sync of the group: as if after that sync's commit
            conflicted = not _same_content(stored[key], row, topics)
        results[index]["status"] = "conflict" if conflicted else "duplicate"
    for number, index, row in refused:
        if row["id"].int in stored:
            same = _same_content(stored[row["id"].int], row, topics)
            answers[number][index]["status"] = "duplicate" if same else "conflict"

    new_rows = [row for row in to_insert if row["id"].int in created]
    if not counted:
        apply_to_rollups(session=session, rows=new_rows, sign=1)
    years: list[set[int]] = [set() for _ in batches]
    for row in new_rows:
        years[first_of[row["id"].int][0]].add(row["counted_on"].year)
    for results in answers:
        for result in results:
            if result["status"] != "rejected":
                result.pop("code", None)
            if result["status"] != "created":
                result.pop("warning", None)
    return [IngestResult(results, years[number]) for number, results in enumerate(answers)]


# --- Void -------------------------------------------------------------------------------


@dataclass
class Voided:
    id: uuid.UUID
    voided_at: datetime
    year: int
    changed: bool


def void_log(
    *, session: Session, caller: Caller, log_id: uuid.UUID, now: datetime, window: timedelta
) -> Voided:
    """Tombstone a log and take it out of the rollups; voiding twice changes nothing."""
    row = session.execute(
        select(*door_log.c, ak_t.c.slug)
        .join(district_t, door_log.c.district_id == district_t.c.id)
        .join(ak_t, district_t.c.ak_id == ak_t.c.id)
        .where(door_log.c.id == log_id)
    ).first()
    if row is None:
        raise not_found("log_not_found", "No such log")
    organiser = organises(role=caller.role, aks=caller.aks, ak_slug=row.slug)
    author_in_time = row.user_id == caller.user_id and now - row.received_at <= window
    if not organiser and not author_in_time:
        code = "void_window_passed" if row.user_id == caller.user_id else "forbidden"
        raise Forbidden(code, "You may not void this log")
    if row.voided_at is not None:
        return Voided(log_id, row.voided_at, row.counted_on.year, changed=False)
    # Final: its topics live only in counts now, so a void could not take them away exactly.
    if opinions.is_final(row.received_at, now):
        raise Forbidden("void_window_passed", "The log is final and can no longer be voided")
    # The guard on voided_at makes a concurrent second void a no-op, never a double decrement.
    voided = session.execute(
        update(door_log)
        .where(and_(door_log.c.id == log_id, door_log.c.voided_at.is_(None)))
        .values(voided_at=now, voided_by=caller.user_id)
        .returning(*door_log.c)
    ).all()
    if not voided:
        again = session.execute(select(door_log.c.voided_at).where(door_log.c.id == log_id))
        return Voided(log_id, again.scalar_one(), row.counted_on.year, changed=False)
    voided_rows = opinions.with_topics(session=session, rows=voided)
    apply_to_rollups(session=session, rows=voided_rows, sign=-1)
    return Voided(log_id, now, row.counted_on.year, changed=True)


def void_rows(*, session: Session, where: Any, caller_id: int, now: datetime) -> set[int]:
    """Void every live log matching `where`; returns the years whose counts changed."""
    voided = session.execute(
        update(door_log)
        .where(and_(where, door_log.c.voided_at.is_(None)))
        .values(voided_at=now, voided_by=caller_id)
        .returning(*door_log.c)
    ).all()
    apply_to_rollups(
        session=session, rows=opinions.with_topics(session=session, rows=voided), sign=-1
    )
    return {r.counted_on.year for r in voided}


def list_skewed(
    *, session: Session, district_ids: list[int], limit: int = 200
) -> list[dict[str, Any]]:
    rows = session.execute(
        door_log.select()
        .where(door_log.c.clock_skew.is_(True), door_log.c.district_id.in_(district_ids))
        .order_by(door_log.c.received_at.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": r.id,
            "district_id": r.district_id,
            "user_id": r.user_id,
            "occurred_at": r.occurred_at,
            "received_at": r.received_at,
            "counted_on": r.counted_on,
            "outcome": r.outcome,
            "voided": r.voided_at is not None,
        }
        for r in rows
    ]
