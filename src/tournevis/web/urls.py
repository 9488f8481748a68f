from django.urls import path

from tournevis.web import (
    auth_views,
    contract_views,
    dispatch_views,
    loaner_views,
    mobile_conflict_views,
    stock_transfer_views,
    stock_views,
    ticket_intake_views,
    ticket_views,
    views,
    visit_record_views,
    visit_report_views,
    workforce_views,
    workorder_parts_views,
    workorder_views,
)

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("customers/", views.customers, name="customers"),
    path("customers/<int:pk>/", views.customer, name="customer"),
    path("sites/<int:pk>/", views.site, name="site"),
    path("objects/<int:pk>/", views.service_object, name="object"),
    path("objects/<int:pk>/children/", views.object_children, name="object_children"),
    path("contracts/", contract_views.contracts, name="contracts"),
    path("sla/at-risk/", contract_views.at_risk, name="at_risk"),
    path("contracts/<int:pk>/", contract_views.contract, name="contract"),
    path("calendars/", contract_views.calendars, name="calendars"),
    path("calendars/<int:pk>/", contract_views.calendar, name="calendar"),
    path("calendars/<int:pk>/edit/", contract_views.calendar_edit, name="calendar_edit"),
    path("calendars/<int:pk>/preview/", contract_views.calendar_preview, name="calendar_preview"),
    path("tickets/", ticket_views.inbox, name="tickets"),
    path("tickets/rows/", ticket_views.inbox_rows, name="ticket_rows"),
    path("tickets/new/", ticket_intake_views.new_ticket, name="ticket_new"),
    path("tickets/phone/", ticket_intake_views.phone, name="ticket_phone"),
    path("tickets/<int:pk>/", ticket_views.ticket, name="ticket"),
    path("tickets/<int:pk>/thread/", ticket_views.ticket_thread, name="ticket_thread"),
    path("tickets/<int:pk>/reply/", ticket_views.ticket_reply, name="ticket_reply"),
    path("tickets/<int:pk>/transition/", ticket_views.ticket_transition, name="ticket_transition"),
    path("tickets/<int:pk>/assign/", ticket_views.ticket_assign, name="ticket_assign"),
    path("tickets/<int:pk>/update/", ticket_views.ticket_update, name="ticket_update"),
    path("tickets/<int:pk>/merge/", ticket_views.ticket_merge, name="ticket_merge"),
    path("tickets/<int:pk>/split/", ticket_views.ticket_split, name="ticket_split"),
    path("tickets/<int:pk>/link/", ticket_views.ticket_link, name="ticket_link"),
    path(
        "tickets/<int:pk>/attachments/<int:attachment_id>/",
        ticket_views.ticket_attachment,
        name="ticket_attachment",
    ),
    path("workorders/", workorder_views.work_orders, name="workorders"),
    path("workorders/rows/", workorder_views.work_order_rows, name="workorder_rows"),
    path("workorders/new/", workorder_views.work_order_new, name="workorder_new"),
    path("workorders/<int:pk>/", workorder_views.work_order, name="workorder"),
    path(
        "workorders/<int:pk>/transition/", workorder_views.work_order_transition, name="workorder_transition"
    ),
    path("workorders/<int:pk>/validate/", workorder_views.work_order_validate, name="workorder_validate"),
    path("workorders/<int:pk>/plan/", workorder_views.work_order_plan, name="workorder_plan"),
    path(
        "workorders/<int:pk>/visits/<int:visit_id>/transition/",
        workorder_views.visit_transition,
        name="workorder_visit_transition",
    ),
    path("technicians/", workforce_views.technicians, name="technicians"),
    path("technicians/<int:pk>/", workforce_views.technician, name="technician"),
    path("technicians/<int:pk>/shifts/", workforce_views.technician_shifts, name="technician_shifts"),
    path("technicians/<int:pk>/absence/", workforce_views.technician_absence, name="technician_absence"),
    path("absences/<int:pk>/decide/", workforce_views.absence_decide, name="absence_decide"),
    path("absences/<int:pk>/cancel/", workforce_views.absence_cancel, name="absence_cancel"),
    path("dispatch/", dispatch_views.board, name="dispatch_board"),
    path("dispatch/conflicts/", mobile_conflict_views.conflicts, name="mobile_conflicts"),
    path(
        "dispatch/conflicts/<int:pk>/resolve/", mobile_conflict_views.resolve, name="mobile_conflict_resolve"
    ),
    path("dispatch/move/", dispatch_views.move, name="dispatch_move"),
    path("dispatch/moves/<int:pk>/undo/", dispatch_views.undo, name="dispatch_undo"),
    path("dispatch/optimise/", dispatch_views.optimise, name="dispatch_optimise"),
    path("dispatch/visits/<int:visit_pk>/emergency/", dispatch_views.emergency, name="dispatch_emergency"),
    path("dispatch/proposals/<int:pk>/", dispatch_views.proposal, name="dispatch_proposal"),
    path("dispatch/proposals/<int:pk>/decide/", dispatch_views.decide, name="dispatch_decide"),
    path("dispatch/technicians/<int:pk>/day/", dispatch_views.technician_day, name="dispatch_day"),
    path(
        "dispatch/technicians/<int:pk>/dispatch/", dispatch_views.dispatch_day, name="dispatch_dispatch_day"
    ),
    path("dispatch/technicians/<int:pk>/feeds/", dispatch_views.feeds, name="dispatch_feeds"),
    # Stock (pages of stock_views and stock_transfer_views)
    path("stock/", stock_views.overview, name="stock"),
    path("stock/locations/<int:pk>/", stock_views.location, name="stock_location"),
    path("stock/locations/<int:pk>/receive/", stock_views.location_receive, name="stock_location_receive"),
    path("stock/locations/<int:pk>/adjust/", stock_views.location_adjust, name="stock_location_adjust"),
    path("stock/locations/<int:pk>/limits/", stock_views.location_limits, name="stock_location_limits"),
    path(
        "stock/locations/<int:pk>/replenish/", stock_views.location_replenish, name="stock_location_replenish"
    ),
    path("stock/parts/", stock_views.parts, name="stock_parts"),
    path("stock/parts/<int:pk>/", stock_views.part, name="stock_part"),
    path("stock/movements/", stock_views.movements, name="stock_movements"),
    path("stock/transfers/", stock_transfer_views.transfers, name="stock_transfers"),
    path("stock/transfers/new/", stock_transfer_views.transfer_new, name="stock_transfer_new"),
    path("stock/transfers/<int:pk>/ship/", stock_transfer_views.transfer_ship, name="stock_transfer_ship"),
    path(
        "stock/transfers/<int:pk>/receive/",
        stock_transfer_views.transfer_receive,
        name="stock_transfer_receive",
    ),
    path(
        "stock/transfers/<int:pk>/cancel/", stock_transfer_views.transfer_cancel, name="stock_transfer_cancel"
    ),
    # Loaner pool (loaner_views)
    path("stock/loaners/", loaner_views.pool, name="stock_loaners"),
    path("stock/loaners/new/", loaner_views.loaner_new, name="stock_loaner_new"),
    path("stock/loaners/<int:pk>/", loaner_views.loaner_detail, name="stock_loaner"),
    path("stock/loaners/<int:pk>/lend/", loaner_views.loaner_lend, name="stock_loaner_lend"),
    path("stock/loaners/<int:pk>/edit/", loaner_views.loaner_edit, name="stock_loaner_edit"),
    path("stock/loans/", loaner_views.loans, name="stock_loans"),
    path("stock/loans/<int:pk>/return/", loaner_views.loan_return, name="stock_loan_return"),
    path("stock/loans/<int:pk>/inspect/", loaner_views.loan_inspect, name="stock_loan_inspect"),
    path("workorders/<int:pk>/loan/", loaner_views.work_order_lend, name="workorder_loan"),
    # A work order's spare parts (workorder_parts_views)
    path(
        "workorders/<int:pk>/parts/", workorder_parts_views.work_order_reserve, name="workorder_parts_reserve"
    ),
    path(
        "workorders/<int:pk>/parts/<int:reservation_id>/release/",
        workorder_parts_views.work_order_release,
        name="workorder_parts_release",
    ),
    # A visit's photos (visit_record_views)
    path(
        "workorders/<int:pk>/visits/<int:visit_id>/photos/<uuid:client_id>.jpg",
        visit_record_views.visit_photo,
        name="workorder_visit_photo",
    ),
    # A visit's service report (visit_report_views)
    path(
        "workorders/<int:pk>/visits/<int:visit_id>/report.pdf",
        visit_report_views.visit_report,
        name="workorder_visit_report",
    ),
]

# The iCalendar feeds: public URLs carrying a revocable token (calendar clients cannot sign in).
feed_urlpatterns = [
    path("calendar/<str:token>.ics", dispatch_views.calendar_feed, name="calendar_feed"),
]

# Sign-in pages keep Django's URL names (no namespace) so contrib.auth finds them.
auth_urlpatterns = [
    path("login/", auth_views.login, name="login"),
    path("logout/", auth_views.logout, name="logout"),
    path("password-reset/", auth_views.password_reset, name="password_reset"),
    path("password-reset/sent/", auth_views.password_reset_done, name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.password_reset_confirm, name="password_reset_confirm"),
    path("reset/done/", auth_views.password_reset_complete, name="password_reset_complete"),
]
