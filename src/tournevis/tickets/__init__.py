"""Tickets: requests from every channel (portal, API, e-mail, phone, chat, SNMP traps, IoT sensors),
their thread, timeline and SLA clocks, triage and routing to queues and agents, customer updates.

Glossary: a *queue* belongs to a support tier (level 1, software, hardware) or is the triage queue
where unknown senders land; an *agent* has skills with levels, a calendar and a capacity; a *triage
rule* sets priority, category and queue from what a ticket says; *intake* turns an inbound e-mail,
trap or alert into exactly one ticket or one message of an existing ticket.
Tables: tickets_ticket, tickets_message, tickets_attachment, tickets_event, tickets_link, tickets_queue,
tickets_agent, tickets_triagerule, tickets_inboundemail, tickets_mailboxcheckpoint, tickets_autoreply,
tickets_intakecounter, tickets_intakeepisode.
Calls down: contracts (entitlement, SLA clocks), notifications (outbox), installed_base, customers.
Ticket clocks are contracts.SlaClock rows with subject_type "ticket".
"""
