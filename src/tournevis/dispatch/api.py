"""REST API of dispatch: board data, moves (checked, undoable), optimisation proposals, emergency
insertion, dispatching a technician's day, calendar feeds. Thin: parse, one service or query, serialise."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from tournevis.core.errors import InvalidInput, NotFound, gettext_noop
from tournevis.core.idempotency import idempotent
from tournevis.core.rest import StrictIn, actor_of, expected_version
from tournevis.dispatch import feeds, queries, services
from tournevis.dispatch.models import Move, Proposal
from tournevis.dispatch.problem import describe
from tournevis.dispatch.routing.model import Reason
from tournevis.identity import guard
from tournevis.workforce.models import Team

router = Router(tags=["dispatch"])


class BoardIn(Schema):
    first: date
    last: date
    team_id: int | None = None


@router.get("/dispatch/board", response=dict[str, Any], operation_id="dispatch_board")
@guard.api("api.dispatch.board")
def board(request: HttpRequest, query: Query[BoardIn]) -> dict[str, Any]:
    if query.last < query.first or (query.last - query.first).days >= queries.MAX_BOARD_DAYS:
        raise InvalidInput(
            gettext_noop("Show between 1 and %(days)s days."), field="last", days=queries.MAX_BOARD_DAYS
        )
    if query.team_id is not None and not Team.objects.filter(pk=query.team_id).exists():
        raise InvalidInput(gettext_noop("No team with id %(id)s."), field="team_id", id=query.team_id)
    return queries.board(query.first, query.last, query.team_id)


# --- Moves ---------------------------------------------------------------------------------------------


class MoveIn(StrictIn):
    visit_id: int
    technician_id: int
    start: datetime
    end: datetime | None = None
    version: int | None = None
    confirm: bool = False


class IssueOut(Schema):
    code: str
    message: str


class MoveOut(Schema):
    id: int
    visit_id: int
    before: dict[str, Any]
    after: dict[str, Any]
    warnings: list[IssueOut]


def move_out(move: Move) -> dict[str, Any]:
    return {
        "id": move.pk,
        "visit_id": move.visit_id,
        "before": move.before,
        "after": move.after,
        "warnings": [{"code": w["code"], "message": _(w["message"]) % w["params"]} for w in move.warnings],
    }


@router.post("/dispatch/moves", response={201: MoveOut}, operation_id="dispatch_move")
@guard.api("api.dispatch.moves.create")
@idempotent
def create_move(request: HttpRequest, payload: MoveIn) -> Status:
    move = services.move_visit(
        actor_of(request),
        payload.visit_id,
        technician_id=payload.technician_id,
        start=payload.start,
        end=payload.end,
        expected_version=payload.version,
        confirm=payload.confirm,
    )
    return Status(201, move_out(move))


class VisitPlaceOut(Schema):
    visit_id: int
    version: int
    status: str
    technician_id: int | None
    start: datetime | None
    end: datetime | None


@router.post("/dispatch/moves/{move_id}/undo", response=VisitPlaceOut, operation_id="dispatch_undo")
@guard.api("api.dispatch.moves.undo")
@idempotent
def undo_move(request: HttpRequest, move_id: int) -> dict[str, Any]:
    visit = services.undo_move(actor_of(request), move_id)
    return {
        "visit_id": visit.pk,
        "version": visit.version,
        "status": visit.status,
        "technician_id": visit.technician_id,
        "start": visit.planned_start,
        "end": visit.planned_end,
    }


# --- Proposals -----------------------------------------------------------------------------------------


class OptimiseIn(StrictIn):
    first_day: date
    last_day: date
    team_id: int | None = None
    time_limit: float = 10.0


class UnassignedOut(Schema):
    key: str
    work_order_id: int
    number: str
    code: str
    reason: str


class ProposalOut(Schema):
    id: int
    kind: str
    status: str
    progress: int
    team_id: int | None
    first_day: date
    last_day: date
    time_limit: float
    solver: str
    totals: dict[str, Any]
    changes: list[dict[str, Any]]
    unassigned: list[UnassignedOut]
    outcome: dict[str, Any]
    error: str
    version: int


def reason_text(row: dict[str, Any]) -> str:
    return describe(Reason(row["code"], row.get("params", {})), _)


def proposal_out(proposal: Proposal) -> dict[str, Any]:
    return {
        "id": proposal.pk,
        "kind": proposal.kind,
        "status": services.state_of(proposal),
        "progress": services.progress_of(proposal),
        "team_id": proposal.team_id,
        "first_day": proposal.first_day,
        "last_day": proposal.last_day,
        "time_limit": proposal.time_limit,
        "solver": proposal.solver,
        "totals": proposal.totals,
        "changes": proposal.changes,
        "unassigned": [
            {
                "key": row["key"],
                "work_order_id": row["work_order_id"],
                "number": row["number"],
                "code": row["code"],
                "reason": reason_text(row),
            }
            for row in proposal.unassigned
        ],
        "outcome": proposal.outcome,
        "error": proposal.error,
        "version": proposal.version,
    }


def _proposal(proposal_id: int) -> Proposal:
    found = Proposal.objects.filter(pk=proposal_id).first()
    if found is None:
        raise NotFound(gettext_noop("No proposal with id %(id)s."), id=proposal_id)
    return found


@router.post("/dispatch/proposals", response={201: ProposalOut}, operation_id="dispatch_optimise")
@guard.api("api.dispatch.proposals.create")
@idempotent
def optimise(request: HttpRequest, payload: OptimiseIn) -> Status:
    """Start an optimisation; poll the proposal until its status is ``ready`` (or ``failed``)."""
    proposal = services.start_optimisation(
        actor_of(request),
        team_id=payload.team_id,
        first=payload.first_day,
        last=payload.last_day,
        time_limit=payload.time_limit,
    )
    services.run_in_background(proposal.pk)
    return Status(201, proposal_out(proposal))


@router.get("/dispatch/proposals/{proposal_id}", response=ProposalOut, operation_id="dispatch_proposal")
@guard.api("api.dispatch.proposals.get")
def get_proposal(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    return proposal_out(_proposal(proposal_id))


@router.post("/dispatch/proposals/{proposal_id}/accept", response=ProposalOut, operation_id="dispatch_accept")
@guard.api("api.dispatch.proposals.accept")
@idempotent
def accept(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    _proposal(proposal_id)
    return proposal_out(services.accept(actor_of(request), proposal_id, expected_version(request)))


@router.post(
    "/dispatch/proposals/{proposal_id}/discard", response=ProposalOut, operation_id="dispatch_discard"
)
@guard.api("api.dispatch.proposals.discard")
@idempotent
def discard(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    _proposal(proposal_id)
    return proposal_out(services.discard(actor_of(request), proposal_id, expected_version(request)))


class EmergencyIn(StrictIn):
    visit_id: int
    day: date | None = None


@router.post("/dispatch/emergencies", response={201: ProposalOut}, operation_id="dispatch_emergency")
@guard.api("api.dispatch.emergencies.create")
@idempotent
def emergency(request: HttpRequest, payload: EmergencyIn) -> Status:
    """Place an unscheduled urgent visit into the day's plan, moving as little as possible: a ready
    proposal to accept."""
    proposal = services.insert_emergency(actor_of(request), payload.visit_id, day=payload.day)
    return Status(201, proposal_out(proposal))


# --- Dispatching a day, feeds ----------------------------------------------------------------------------


class DayIn(StrictIn):
    technician_id: int
    start: datetime
    end: datetime


class DispatchedOut(Schema):
    dispatched: list[int]


@router.post("/dispatch/days", response=DispatchedOut, operation_id="dispatch_day")
@guard.api("api.dispatch.days.create")
@idempotent
def dispatch_day(request: HttpRequest, payload: DayIn) -> dict[str, Any]:
    """Dispatch every planned visit of the technician starting in [start, end): the technician has
    them and each customer is e-mailed the visit window."""
    if payload.end <= payload.start:
        raise InvalidInput(gettext_noop("The end comes before the start."), field="end")
    visits = services.dispatch_day(actor_of(request), payload.technician_id, payload.start, payload.end)
    return {"dispatched": [v.pk for v in visits]}


class FeedOut(Schema):
    id: int
    technician_id: int
    url: str


@router.post("/technicians/{technician_id}/feeds", response={201: FeedOut}, operation_id="create_feed")
@guard.api("api.dispatch.feeds.create")
def create_feed(request: HttpRequest, technician_id: int) -> Status:
    """A new calendar feed URL for the technician (shown once: only its hash is stored). Not
    idempotent on purpose, like API tokens: a replay would have to store the secret."""
    from tournevis.workforce.access import access_technician

    access_technician(actor_of(request), technician_id)
    feed, token = feeds.create_feed(actor_of(request), technician_id)
    url = request.build_absolute_uri(f"/calendar/{token}.ics")
    return Status(201, {"id": feed.pk, "technician_id": technician_id, "url": url})


class FeedRevokedOut(Schema):
    id: int
    revoked_at: datetime | None


@router.post("/feeds/{feed_id}/revoke", response=FeedRevokedOut, operation_id="revoke_feed")
@guard.api("api.dispatch.feeds.revoke")
@idempotent
def revoke_feed(request: HttpRequest, feed_id: int) -> dict[str, Any]:
    from tournevis.dispatch.models import Feed
    from tournevis.workforce.access import access_technician

    found = Feed.objects.filter(pk=feed_id).first()
    if found is None:
        raise NotFound(gettext_noop("No calendar feed with id %(id)s."), id=feed_id)
    access_technician(actor_of(request), found.technician_id)
    feed = feeds.revoke_feed(actor_of(request), feed_id)
    return {"id": feed.pk, "revoked_at": feed.revoked_at}
