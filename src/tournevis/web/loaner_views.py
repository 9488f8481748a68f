"""Back-office pages of the loaner pool: the pool by model and depot with the loaners, a loaner's page
(its loans, lend it, edit or retire it), the loans out (who has which loaner, since when, due back
when, overdue said in words) with the return and inspection forms, and the "Loaner" section of the
work-order page (the contract's entitlement, the loan out, lend one for the work order).

Thin: access, query, one service call, redirect or render. Office staff (admin, manager, dispatcher,
agent) use them; managers register and edit loaners. A refused action re-renders the page with the
message next to the field it names (with the error's status) and writes nothing. Days are the
customer's.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from tournevis.core import clock
from tournevis.core.actor import Actor
from tournevis.core.errors import DomainError, InvalidInput, gettext_noop
from tournevis.customers.models import Site
from tournevis.identity.guard import page
from tournevis.identity.permissions import is_allowed
from tournevis.installed_base.models import EquipmentModel
from tournevis.stock import access
from tournevis.stock import queries_loaners as queries
from tournevis.stock import services_loaners as services
from tournevis.stock.domain import LoanerStatus, LocationKind
from tournevis.stock.models import Loan, Loaner, Location
from tournevis.web.views import PAGE_SIZE, _actor, not_found_is_404
from tournevis.workorders import loaners as workorder_loaners
from tournevis.workorders.access import access_work_order
from tournevis.workorders.models import WorkOrder

STATUS_LABELS = {
    LoanerStatus.AVAILABLE: gettext_lazy("Available"),
    LoanerStatus.LENT: gettext_lazy("Lent"),
    LoanerStatus.INSPECTION: gettext_lazy("Awaiting inspection"),
    LoanerStatus.RETIRED: gettext_lazy("Retired"),
}
# Loaner status → a badge style of app.css
STATUS_STYLES = {
    LoanerStatus.AVAILABLE: "status-active",
    LoanerStatus.LENT: "status-on_loan",
    LoanerStatus.INSPECTION: "status-in_repair",
    LoanerStatus.RETIRED: "status-retired",
}
INSPECTION_LABELS = {"passed": gettext_lazy("Passed"), "failed": gettext_lazy("Failed")}
DEFAULT_LOAN_DAYS = 14
MAX_SITES = 3000  # the manual lend form's site list
LOANER_CHOICES = 200  # the work-order page's loaner list


def _parse_int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _parse_day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(gettext_noop("Give a date, e.g. 2026-03-02."), field=field) from None


def _error(exc: DomainError, fields: set[str]) -> dict[str, str]:
    return {exc.field if exc.field in fields else "form": exc.text(_)}


def _labels() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "status_styles": STATUS_STYLES,
        "inspection_labels": INSPECTION_LABELS,
    }


def _depots() -> list[Location]:
    return list(Location.objects.filter(kind=LocationKind.DEPOT.value, active=True).order_by("code"))


def due_words(row: queries.LoanRow) -> str:
    """The loan's due day in words: overdue by N days, due today, or due in N days."""
    if row.overdue:
        return ngettext("%(count)s day overdue", "%(count)s days overdue", row.overdue) % {
            "count": row.overdue
        }
    if row.due_in == 0:
        return _("due back today")
    return ngettext("due back in %(count)s day", "due back in %(count)s days", row.due_in) % {
        "count": row.due_in
    }


def out_words(row: queries.LoanRow) -> str:
    """How long the customer has had the loaner."""
    if row.days_out == 0:
        return _("since today")
    return ngettext("for %(count)s day", "for %(count)s days", row.days_out) % {"count": row.days_out}


def _loan_rows(rows: list[queries.LoanRow]) -> list[dict[str, Any]]:
    return [{"row": row, "loan": row.loan, "due": due_words(row), "out": out_words(row)} for row in rows]


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


# --- The pool ------------------------------------------------------------------------------------------


@page("page.loaners.pool")
def pool(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    status = request.GET.get("status", "")
    status = status if status in {s.value for s in LoanerStatus} else ""
    model_id = _parse_int(request.GET.get("model"))
    location_id = _parse_int(request.GET.get("location"))
    q = request.GET.get("q", "").strip()[:100]
    rows = queries.list_loaners(
        actor, status=status or None, equipment_model_id=model_id, location_id=location_id, q=q or None
    )
    context = {
        "pool": queries.pool(equipment_model_id=model_id, location_id=location_id),
        "page_obj": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "filters": {"status": status, "model": model_id, "location": location_id, "q": q},
        "models": EquipmentModel.objects.filter(pk__in=Loaner.objects.values("equipment_model_id")).order_by(
            "manufacturer", "name"
        ),
        "depots": _depots(),
        "open_count": Loan.objects.filter(returned_at__isnull=True).count(),
        "can_create": is_allowed(actor.role, "page.loaners.new"),
        **_labels(),
    }
    return render(request, "web/stock/loaners.html", context)


@page("page.loaners.new")
def loaner_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    values = {"equipment_model_id": "", "serial": "", "location_id": "", "notes": ""}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip()[:2000] for name in values}
        try:
            made = services.create_loaner(actor, values)
        except DomainError as exc:
            errors, status = _error(exc, set(values)), exc.status
        else:
            messages.success(request, _("Loaner %(serial)s registered.") % {"serial": made.serial})
            return redirect("web:stock_loaner", pk=made.pk)
    context = {
        "values": values,
        "errors": errors,
        "models": EquipmentModel.objects.order_by("manufacturer", "name"),
        "depots": _depots(),
    }
    return render(request, "web/stock/loaners_new.html", context, status=status)


# --- A loaner ------------------------------------------------------------------------------------------


def _sites() -> list[Site]:
    return list(Site.objects.select_related("customer").order_by("customer__name", "name", "id")[:MAX_SITES])


def _loaner_page(
    request: HttpRequest,
    loaner: Loaner,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = _actor(request)
    now = clock.now()
    loans = list(access.visible_loans(actor).filter(loaner=loaner).order_by("-lent_at", "-id")[:50])
    current = next((loan for loan in loans if loan.returned_at is None), None)
    can_lend = is_allowed(actor.role, "page.loaners.lend") and loaner.status == LoanerStatus.AVAILABLE
    context = {
        "loaner": loaner,
        "loans": loans,
        "current": _loan_rows([queries.loan_row(current, now)])[0] if current is not None else None,
        "uninspected": next((loan for loan in loans if loan.returned_at and not loan.inspection), None),
        "can_lend": can_lend,
        "can_edit": is_allowed(actor.role, "page.loaners.edit"),
        "can_act": is_allowed(actor.role, "page.loans.return"),
        "sites": _sites() if can_lend else [],
        "depots": _depots(),
        "default_due": (now.date() + timedelta(days=DEFAULT_LOAN_DAYS)).isoformat(),
        "errors": errors or {},
        "values": values or {},
        **_labels(),
    }
    return render(request, "web/stock/loaners_detail.html", context, status=status)


@page("page.loaners.detail")
@not_found_is_404
def loaner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _loaner_page(request, access.access_loaner(_actor(request), pk))


@page("page.loaners.lend")
@not_found_is_404
@require_POST
def loaner_lend(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    loaner = access.access_loaner(actor, pk)
    posted = {name: request.POST.get(name, "").strip()[:300] for name in ("site_id", "due_back", "reference")}
    try:
        site_id = _parse_int(posted["site_id"])
        site = Site.objects.filter(pk=site_id).first() if site_id is not None else None
        if site is None:
            raise InvalidInput(gettext_noop("Choose the customer's site."), field="site_id")
        services.lend(
            actor,
            loaner.pk,
            customer_id=site.customer_id,
            site_id=site.pk,
            due_back=_parse_day(posted["due_back"], "due_back"),
            demand_label=posted["reference"][:60],
        )
    except DomainError as exc:
        fields = {"site_id", "due_back", "reference"}
        error = _error(exc, fields | {"demand_label"})
        if "demand_label" in error:
            error = {"reference": error.pop("demand_label")}
        return _loaner_page(
            request, loaner, errors={"lend": error}, values={"lend": posted}, status=exc.status
        )
    messages.success(request, _("Loaner %(serial)s lent.") % {"serial": loaner.serial})
    return redirect("web:stock_loaner", pk=loaner.pk)


@page("page.loaners.edit")
@not_found_is_404
@require_POST
def loaner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    loaner = access.access_loaner(actor, pk)
    posted = {name: request.POST.get(name, "").strip()[:2000] for name in ("notes", "location_id", "action")}
    changes: dict[str, Any] = {"notes": posted["notes"], "location_id": posted["location_id"]}
    if posted["action"] == "retire":
        changes = {"retired": True}
    elif posted["action"] == "reinstate":
        changes = {"retired": False}
    try:
        services.update_loaner(actor, loaner.pk, changes, _parse_int(request.POST.get("version")))
    except DomainError as exc:
        error = _error(exc, {"notes", "location_id"})
        if exc.field == "retired":
            error = {"form": exc.text(_)}
        return _loaner_page(
            request, loaner, errors={"edit": error}, values={"edit": posted}, status=exc.status
        )
    messages.success(request, _("Loaner saved."))
    return redirect("web:stock_loaner", pk=loaner.pk)


# --- Loans ---------------------------------------------------------------------------------------------


def _loans_page(request: HttpRequest, *, action_error: str = "", status: int = 200) -> HttpResponse:
    actor = _actor(request)
    now = clock.now()
    overdue_only = request.GET.get("overdue") == "1"
    rows = queries.loans_out(actor, now, overdue_only=overdue_only)
    uninspected = list(queries.list_loans(actor, now, state="uninspected")[:100])
    context = {
        "loans": _loan_rows(rows),
        "overdue_only": overdue_only,
        "overdue_count": sum(1 for row in rows if row.overdue) if not overdue_only else len(rows),
        "uninspected": uninspected,
        "can_act": is_allowed(actor.role, "page.loans.return"),
        "action_error": action_error,
        **_labels(),
    }
    return render(request, "web/stock/loaners_out.html", context, status=status)


@page("page.loaners.loans")
def loans(request: HttpRequest) -> HttpResponse:
    return _loans_page(request)


@page("page.loans.return")
@not_found_is_404
@require_POST
def loan_return(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    loan = access.access_loan(actor, pk)
    try:
        services.return_loaner(actor, loan.pk, expected_version=_parse_int(request.POST.get("version")))
    except DomainError as exc:
        return _loans_page(request, action_error=exc.text(_), status=exc.status)
    messages.success(request, _("Loaner %(serial)s is back: inspect it.") % {"serial": loan.loaner.serial})
    return redirect(_safe_next(request, reverse("web:stock_loans")))


@page("page.loans.inspect")
@not_found_is_404
@require_POST
def loan_inspect(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    loan = access.access_loan(actor, pk)
    try:
        services.inspect(
            actor,
            loan.pk,
            result=request.POST.get("result", ""),
            notes=request.POST.get("notes", "")[:2000],
            expected_version=_parse_int(request.POST.get("version")),
        )
    except DomainError as exc:
        return _loans_page(request, action_error=exc.text(_), status=exc.status)
    passed = request.POST.get("result") == "passed"
    messages.success(
        request,
        (_("Loaner %(serial)s is available again.") if passed else _("Loaner %(serial)s is retired."))
        % {"serial": loan.loaner.serial},
    )
    return redirect(_safe_next(request, reverse("web:stock_loans")))


# --- The work-order page's "Loaner" section ------------------------------------------------------------


def work_order_section(actor: Actor, order: WorkOrder) -> dict[str, Any] | None:
    """The context of ``web/workorders/_loaner.html`` (None for a customer user: staff data)."""
    if actor.is_customer:
        return None
    found = workorder_loaners.situation(order)
    now = clock.now()
    current = _loan_rows([queries.loan_row(found.current, now)])[0] if found.current is not None else None
    can_lend = is_allowed(actor.role, "page.workorders.loan") and found.can_lend
    choices: list[Loaner] = []
    if can_lend:
        model_id = order.service_object.equipment_model_id if order.service_object is not None else None
        available = access.visible_loaners(actor).filter(status=LoanerStatus.AVAILABLE.value)
        same = list(available.filter(equipment_model_id=model_id)) if model_id else []
        others = available.exclude(pk__in=[loaner.pk for loaner in same]).order_by(
            "equipment_model__manufacturer", "equipment_model__name", "serial"
        )
        choices = (same + list(others[:LOANER_CHOICES]))[:LOANER_CHOICES]
    today = services.local_today(now, order.customer.timezone)
    return {
        "situation": found,
        "current": current,
        "can_lend": can_lend,
        "can_override": actor.role in workorder_loaners.OVERRIDERS,
        "can_act": is_allowed(actor.role, "page.loans.return"),
        "choices": choices,
        "default_due": (today + timedelta(days=DEFAULT_LOAN_DAYS)).isoformat(),
    }


@page("page.workorders.loan")
@not_found_is_404
@require_POST
def work_order_lend(request: HttpRequest, pk: int) -> HttpResponse:
    from tournevis.web import workorder_views  # the work-order page renders this section

    actor = _actor(request)
    order = access_work_order(actor, pk)
    posted = {
        name: request.POST.get(name, "").strip()[:300]
        for name in ("loaner_id", "due_back", "override_reason")
    }
    try:
        loaner_id = _parse_int(posted["loaner_id"])
        if loaner_id is None:
            raise InvalidInput(gettext_noop("Choose a loaner."), field="loaner_id")
        workorder_loaners.lend_for_work_order(
            actor,
            order.pk,
            loaner_id,
            _parse_day(posted["due_back"], "due_back"),
            override_reason=posted["override_reason"],
        )
    except DomainError as exc:
        error = _error(exc, set(posted))
        return workorder_views._detail(
            request, order, errors={"loan": error}, values={"loan": posted}, status=exc.status
        )
    messages.success(request, _("Loaner lent for this work order."))
    return redirect("web:workorder", pk=order.pk)
