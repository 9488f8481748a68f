from django.urls import path

from tournevis.web import (
    auth_views,
    contract_views,
    dispatch_views,
    ticket_intake_views,
    ticket_views,
    views,
    workforce_views,
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
