"""REST API of SLA clocks: the at-risk list, a subject's clocks, and the deadline preview."""

from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from tournevis.contracts import sla_queries
from tournevis.core.rest import actor_of
from tournevis.identity import guard

router = Router(tags=["sla"])


class ClockOut(Schema):
    id: int
    subject_type: str
    subject_id: int
    kind: str
    priority: str
    calendar_id: int | None
    contract_id: int | None
    target_minutes: int
    state: str
    started_at: datetime
    deadline: datetime
    warning_at: datetime | None
    consumed_seconds: int
    remaining_seconds: int
    paused_since: datetime | None
    breached_at: datetime | None
    met_at: datetime | None
    version: int


class ClockList(Schema):
    items: list[ClockOut]


class AtRiskIn(Schema):
    within_minutes: int = Field(240, ge=0, le=60 * 24 * 31, description="Horizon of the deadline (minutes).")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0)


class SubjectIn(Schema):
    subject_type: str = Field(..., max_length=40, examples=["tickets.ticket"])
    subject_id: int = Field(..., ge=0)


@router.get("/sla/at-risk", response=ClockList, operation_id="sla_at_risk")
@guard.api("api.sla.at_risk")
def at_risk(request: HttpRequest, query: Query[AtRiskIn]) -> dict[str, Any]:
    rows = sla_queries.at_risk(
        actor_of(request),
        within=timedelta(minutes=query.within_minutes),
        limit=query.limit,
        offset=query.offset,
    )
    return {"items": rows}


@router.get("/sla/clocks", response=ClockList, operation_id="sla_clocks")
@guard.api("api.sla.clocks")
def clocks(request: HttpRequest, query: Query[SubjectIn]) -> dict[str, Any]:
    return {"items": sla_queries.clocks_of(actor_of(request), query.subject_type, query.subject_id)}


PREVIEW_EXAMPLE: dict[str, Any] = {
    "calendar": {
        "timezone": "Europe/Paris",
        "slots": {
            day: [["08:00", "12:00"], ["13:30", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
        },
        "holidays": {"country": "FR", "subdivision": "57"},
        "closures": [["2026-08-10", "2026-08-14"]],
    },
    "start": "2026-03-06T17:00:00+01:00",
    "targets": {"response": "PT2H", "onsite": "PT4H", "resolution": "PT16H"},
    "pauses": [],
}


class PreviewIn(Schema):
    """Either ``calendar`` and ``targets`` (ISO-8601 durations of business time), or ``contract`` and
    ``priority`` (that contract's calendar and tier targets). ``pauses``: [start, end] pairs skipped."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [PREVIEW_EXAMPLE]})

    calendar: dict[str, Any] | None = None
    start: str
    targets: dict[str, Any] | None = None
    contract: int | None = None
    priority: str | None = None
    pauses: list[Any] = []


class PreviewOut(Schema):
    deadlines: dict[str, str]


@router.post(
    "/sla/preview",
    response=PreviewOut,
    operation_id="sla_preview",
    openapi_extra={
        "responses": {
            "200": {
                "description": "Deadlines in the calendar's time zone",
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/PreviewOut"},
                        "example": {
                            "deadlines": {
                                "response": "2026-03-09T09:00:00+01:00",
                                "onsite": "2026-03-09T11:00:00+01:00",
                                "resolution": "2026-03-10T16:00:00+01:00",
                            }
                        },
                    }
                },
            }
        }
    },
)
@guard.api("api.sla.preview")
def preview(request: HttpRequest, payload: PreviewIn) -> dict[str, Any]:
    return {"deadlines": sla_queries.preview(actor_of(request), payload.dict(exclude_unset=True))}
