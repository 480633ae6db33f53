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

from api.accounts.access import hidden, organises
from api.core.errors import Forbidden, Invalid, PayloadTooLarge
from api.core.stockholm import stockholm_day
from api.door_logs import campaigns, opinions, plausibility
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
        # Campaigns and channels (docs/PRODUCT.md, "Campaigns and channels").
        "campaign_id",
        "answer",
        "channel",
        "ak",
        "shift_id",
    }
)

MAX_ANSWER = 1000  # an option's index; larger is no option (a warning, not free text)

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
    channel = item.get("channel", campaigns.DOOR)
    if channel not in campaigns.CHANNELS:
        raise Rejected("unknown_channel")
    answer = item.get("answer")
    if isinstance(answer, str):
        raise Rejected("free_text")  # an answer is an option's index, never words
    if answer is not None and (type(answer) is not int or not -MAX_ANSWER < answer < MAX_ANSWER):
        raise Rejected("invalid_answer")
    campaign_id = item.get("campaign_id")
    if campaign_id is not None and (type(campaign_id) is not int or not 0 < campaign_id < 2**31):
        raise Rejected("invalid_campaign")
    ak = None
    if channel != campaigns.DOOR:
        # A workplace or stall names an AK only: no district, no opinions (union membership).
        if "district_id" in item:
            raise Rejected("channel_district")
        if item.get("topics"):
            raise Rejected("channel_topics")
        if answer is not None:
            raise Rejected("channel_answer")
        if outcome not in campaigns.CHANNEL_OUTCOMES:
            raise Rejected("channel_outcome")
        ak = item.get("ak")
        if not isinstance(ak, str) or not 0 < len(ak) <= 40:
            raise Rejected("unknown_ak")
        district_id = None
    else:
        if "ak" in item:
            raise Rejected("door_ak")
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
        "campaign_id": campaign_id,
        "answer": answer,
        "channel": channel,
        "ak": ak,
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


_CONTENT = (
    "district_id",
    "user_id",
    "occurred_at",
    "outcome",
    "topics",
    "new_member",
    "campaign_id",
    "answer",
)

_KEPT = ("district_id", "user_id", "outcome", "new_member", "left_material", "campaign_id")


def _same_content(
    stored: Any,
    row: dict[str, Any],
    topics: dict[int, str],
    answers: dict[int, int] | None = None,
) -> bool:
    """What the stored log keeps equals the sent one; `topics` are the stored opinions.

    A final log keeps its time only to the hour and its topics only as counts, so a resend
    of it is compared on what is left (docs/PRODUCT.md, "Counting rules").
    """
    if stored.source != Source.app or not all(getattr(stored, k) == row[k] for k in _KEPT):
        return False
    if stored.final:
        return bool(stored.occurred_at == _to_the_hour(row["occurred_at"]))
    return bool(
        stored.occurred_at == row["occurred_at"]
        and topics.get(stored.id.int, "") == row["topics"]
        and (answers or {}).get(stored.id.int) == row.get("answer")
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
    door_rows = [
        [(i, r) for i, r in batch.rows if r["channel"] == campaigns.DOOR] for _, batch in batches
    ]
    channel_rows = [
        [(i, r) for i, r in batch.rows if r["channel"] != campaigns.DOOR] for _, batch in batches
    ]
    district_ids = {row["district_id"] for rows in door_rows for _, row in rows}
    channel_years: list[set[int]] = [set() for _ in batches]
    if any(channel_rows):
        channel_years = _ingest_channel_logs(
            session=session, batches=batches, rows_of=channel_rows, answers=answers
        )
    if not district_ids:
        return [IngestResult(results, channel_years[n]) for n, results in enumerate(answers)]
    known_campaigns = campaigns.campaigns(session=session)
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
            for rows in door_rows
            for _, row in rows
            if row["shift_ref"] not in (None, -1)
        }
    )
    shifts = shift_facts(session=session, shift_ids=shift_ids)
    candidates: list[tuple[int, int, dict[str, Any]]] = []
    for number, (caller, _) in enumerate(batches):
        access = _Access(
            session=session,
            caller=caller,
            district_ids={row["district_id"] for _, row in door_rows[number]},
            ak_of=ak_of,
        )
        # Another AK's shift counts for a volunteer who signed up to it.
        foreign_shifts = sorted(
            {
                row["shift_ref"]
                for _, row in door_rows[number]
                if row["shift_ref"] in shifts and shifts[row["shift_ref"]].ak not in caller.aks
            }
        )
        signed_up = signed_up_shifts(
            session=session, user_id=caller.user_id, shift_ids=foreign_shifts
        )
        for index, row in door_rows[number]:
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
                if plausibility.is_too_old(row["occurred_at"], row["received_at"]):
                    raise Rejected("too_old")
            except Rejected as exc:
                answers[number][index]["code"] = exc.code
                refused.append((number, index, row))
                continue
            warning = campaigns.settle_references(
                row, ak_slug=ak_of[row["district_id"]], known=known_campaigns
            )
            if warning is not None:
                answers[number][index]["warning"] = warning
            candidates.append((number, index, row))
    # One read for the whole group; a stored resend is never refused (it is looked up below).
    over = plausibility.over_rate(session=session, rows=[row for _, _, row in candidates])
    for number, index, row in candidates:
        if over and row["id"].int in over:
            answers[number][index]["code"] = "implausible_rate"
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
    stored_answers: dict[int, int] = {}
    if look_up:
        stored = {
            r.id.int: r
            for r in session.execute(door_log.select().where(door_log.c.id.in_(look_up))).all()
        }
        topics = opinions.joined(session=session, log_ids=look_up)
        stored_answers = opinions.answers_of(session=session, log_ids=look_up)

    for key, row in by_id.items():
        number, index = first_of[key]
        if key in created:
            answers[number][index]["status"] = "created"
        else:
            same = _same_content(stored[key], row, topics, stored_answers)
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
            conflicted = not _same_content(stored[key], row, topics, stored_answers)
        results[index]["status"] = "conflict" if conflicted else "duplicate"
    for number, index, row in refused:
        if row["id"].int in stored:
            same = _same_content(stored[row["id"].int], row, topics, stored_answers)
            answers[number][index]["status"] = "duplicate" if same else "conflict"

    new_rows = [row for row in to_insert if row["id"].int in created]
    if not counted:
        apply_to_rollups(session=session, rows=new_rows, sign=1)
        plausibility.record_rates(session=session, rows=new_rows)
    campaigns.apply_campaign_counts(session=session, rows=new_rows, sign=1)
    years: list[set[int]] = [set(y) for y in channel_years]
    for row in new_rows:
        years[first_of[row["id"].int][0]].add(row["counted_on"].year)
    for results in answers:
        for result in results:
            if result["status"] != "rejected":
                result.pop("code", None)
            if result["status"] != "created":
                result.pop("warning", None)
    return [IngestResult(results, years[number]) for number, results in enumerate(answers)]


def _ingest_channel_logs(
    *,
    session: Session,
    batches: Sequence[tuple[Caller, ParsedBatch]],
    rows_of: list[list[tuple[int, dict[str, Any]]]],
    answers: list[list[dict[str, Any]]],
) -> list[set[int]]:
    """Workplace and stall logs: inserted once into channel_log, counted per AK and week.

    Returns the years whose counts changed, per sync. Classified like door logs: an id seen
    before is a duplicate when what the log keeps is the same, otherwise a conflict.
    """
    known = campaigns.campaigns(session=session)
    ak_id_of = campaigns.ak_ids(
        session=session, slugs=(r["ak"] for rows in rows_of for _, r in rows)
    )
    first_of: dict[int, tuple[int, int]] = {}
    to_insert: list[dict[str, Any]] = []
    later: list[tuple[int, int, dict[str, Any]]] = []
    for number, (caller, _) in enumerate(batches):
        for index, row in rows_of[number]:
            row["user_id"] = caller.user_id
            slug = row["ak"]
            if slug not in ak_id_of:
                answers[number][index]["code"] = "unknown_ak"
                continue
            if caller.role != Role.staff and slug not in caller.aks:
                answers[number][index]["code"] = "ak_not_allowed"
                continue
            row["ak_id"] = ak_id_of[slug]
            warning = campaigns.settle_references(row, ak_slug=slug, known=known)
            if warning is not None:
                answers[number][index]["warning"] = warning
            key = row["id"].int
            if key in first_of:
                later.append((number, index, row))
                continue
            first_of[key] = (number, index)
            to_insert.append(row)
    to_insert.sort(key=lambda r: r["id"].int)
    # A door log with the same id is the same id with other content: a conflict.
    in_door_log = {
        r[0].int
        for r in session.execute(
            select(door_log.c.id).where(door_log.c.id.in_([r["id"] for r in to_insert]))
        )
    }
    created = campaigns.insert_channel_logs(
        session=session, rows=[r for r in to_insert if r["id"].int not in in_door_log]
    )
    look_up = [r["id"] for r in to_insert if r["id"].int not in created]
    stored = {}
    if look_up:
        stored = {
            r.id.int: r
            for r in session.execute(
                campaigns.channel_log.select().where(campaigns.channel_log.c.id.in_(look_up))
            )
        }

    def same(key: int, row: dict[str, Any]) -> bool:
        old = stored.get(key)
        if old is None:
            return False
        kept = ("ak_id", "channel", "user_id", "outcome", "new_member", "campaign_id")
        when = _to_the_hour(row["occurred_at"]) if old.final else row["occurred_at"]
        return old.occurred_at == when and all(getattr(old, k) == row[k] for k in kept)

    for row in to_insert:
        key = row["id"].int
        number, index = first_of[key]
        if key in created:
            answers[number][index]["status"] = "created"
        else:
            answers[number][index]["status"] = "duplicate" if same(key, row) else "conflict"
    for number, index, row in later:
        key = row["id"].int
        first = next(r for r in to_insert if r["id"].int == key)
        first_number, first_index = first_of[key]
        kept = ("ak_id", "channel", "user_id", "occurred_at", "outcome", "new_member")
        alike = all(first[k] == row[k] for k in (*kept, "campaign_id"))
        first_status = answers[first_number][first_index]["status"]
        answers[number][index]["status"] = (
            "duplicate" if alike and first_status != "conflict" else "conflict"
        )
    new_rows = [r for r in to_insert if r["id"].int in created]
    campaigns.apply_campaign_counts(session=session, rows=new_rows, sign=1)
    years: list[set[int]] = [set() for _ in batches]
    for row in new_rows:
        years[first_of[row["id"].int][0]].add(row["counted_on"].year)
    return years


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
        return _void_channel_log(
            session=session, caller=caller, log_id=log_id, now=now, window=window
        )
    organiser = organises(role=caller.role, aks=caller.aks, ak_slug=row.slug)
    author = row.user_id == caller.user_id
    if not organiser and not author:
        raise hidden("log")  # someone else's log, as if it did not exist
    if not organiser and now - row.received_at > window:
        raise Forbidden("void_window_passed", "You may not void this log any more")
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
    campaigns.apply_campaign_counts(session=session, rows=voided_rows, sign=-1)
    return Voided(log_id, now, row.counted_on.year, changed=True)


def _void_channel_log(
    *, session: Session, caller: Caller, log_id: uuid.UUID, now: datetime, window: timedelta
) -> Voided:
    """A workplace or stall log's void: the same rules as at the door."""
    log = campaigns.channel_log
    row = session.execute(
        select(*log.c, ak_t.c.slug).join(ak_t, log.c.ak_id == ak_t.c.id).where(log.c.id == log_id)
    ).first()
    if row is None:
        raise hidden("log")
    organiser = organises(role=caller.role, aks=caller.aks, ak_slug=row.slug)
    author = row.user_id == caller.user_id
    if not organiser and not author:
        raise hidden("log")  # someone else's log, as if it did not exist
    if not organiser and now - row.received_at > window:
        raise Forbidden("void_window_passed", "You may not void this log any more")
    if row.voided_at is not None:
        return Voided(log_id, row.voided_at, row.counted_on.year, changed=False)
    if opinions.is_final(row.received_at, now):
        raise Forbidden("void_window_passed", "The log is final and can no longer be voided")
    voided = session.execute(
        update(log)
        .where(and_(log.c.id == log_id, log.c.voided_at.is_(None)))
        .values(voided_at=now, voided_by=caller.user_id)
        .returning(*log.c)
    ).all()
    if not voided:
        again = session.execute(select(log.c.voided_at).where(log.c.id == log_id))
        return Voided(log_id, again.scalar_one(), row.counted_on.year, changed=False)
    campaigns.apply_campaign_counts(
        session=session, rows=[dict(r._mapping) for r in voided], sign=-1
    )
    return Voided(log_id, now, row.counted_on.year, changed=True)


def void_rows(*, session: Session, where: Any, caller_id: int, now: datetime) -> set[int]:
    """Void every live log matching `where`; returns the years whose counts changed."""
    return void_rows_counted(session=session, where=where, caller_id=caller_id, now=now)[1]


def void_rows_counted(
    *, session: Session, where: Any, caller_id: int, now: datetime
) -> tuple[int, set[int]]:
    """Void every live log matching `where`: how many, and the years whose counts changed.
    The guard on voided_at makes a concurrent second void change nothing."""
    voided = session.execute(
        update(door_log)
        .where(and_(where, door_log.c.voided_at.is_(None)))
        .values(voided_at=now, voided_by=caller_id)
        .returning(*door_log.c)
    ).all()
    voided_rows = opinions.with_topics(session=session, rows=voided)
    apply_to_rollups(session=session, rows=voided_rows, sign=-1)
    campaigns.apply_campaign_counts(session=session, rows=voided_rows, sign=-1)
    return len(voided), {r.counted_on.year for r in voided}


@dataclass
class BulkVoided:
    voided: int
    years: set[int]


def void_logs_of_volunteer(
    *,
    session: Session,
    caller: Caller,
    user_id: int,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
) -> BulkVoided:
    """Tombstone a volunteer's app logs with `occurred_at` in [starts_at, ends_at), in the
    districts of the AKs the caller organises (staff: all); only logs received within the
    organisers' void window (MAX_AGE: after it a log is final), so the range must lie in it."""
    if ends_at <= starts_at:
        raise Invalid("invalid_period", "Perioden slutar innan den börjar.")
    if now - starts_at > plausibility.MAX_AGE:
        raise Invalid("invalid_period", "Du kan bara makulera loggar från de senaste 30 dagarna.")
    where = and_(
        door_log.c.user_id == user_id,
        door_log.c.source == Source.app.value,
        door_log.c.occurred_at >= starts_at,
        door_log.c.occurred_at < ends_at,
        door_log.c.received_at >= now - plausibility.MAX_AGE,
    )
    if caller.role != Role.staff:
        reach = select(district_t.c.id).join(ak_t, district_t.c.ak_id == ak_t.c.id)
        where = and_(where, door_log.c.district_id.in_(reach.where(ak_t.c.slug.in_(caller.aks))))
    voided, years = void_rows_counted(
        session=session, where=where, caller_id=caller.user_id, now=now
    )
    return BulkVoided(voided, years)


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


def last_received_at(*, session: Session, user_id: int) -> datetime | None:
    """When the server last acknowledged a log of this user (index ix_door_log_user_received).

    The phone compares it with its own memory: a phone that remembers nothing while the
    server holds its logs had its storage wiped by the browser (docs/PWA.md).
    """
    value = session.execute(
        select(door_log.c.received_at)
        .where(door_log.c.user_id == user_id)
        .order_by(door_log.c.received_at.desc())
        .limit(1)
    ).scalar()
    return value if isinstance(value, datetime) else None
