"""Contracts: what a customer is entitled to — coverage, guaranteed times, business calendars.

Glossary:
- Contract: an agreement with one customer (maintenance, subscription or warranty) with a number
  (``C-YYYY-NNNNN``), a term (start and end dates, both inclusive), a renewal rule (tacit: the term is
  extended by ``renewal_months`` at its end; explicit: the customer must be asked before the notice
  deadline, ``notice_days`` before the end), a status (draft, active, suspended, expired, terminated;
  transitions in ``domain.TRANSITIONS``), a price in minor units with an ISO 4217 currency and a
  billing cycle, and a tier (an SLA policy).
- Coverage: what the contract covers — sites, service objects (an object covers its whole subtree)
  and equipment categories (every object of that category belonging to the customer).
- SLA policy: a named tier ("Gold 4h on-site") with targets per priority P1-P4 and optionally per
  equipment category: first response, on-site arrival, resolution and the customer-update cadence,
  all in business minutes of the applicable calendar.
- Business calendar: time zone, weekly opening slots, public holidays (country + subdivision),
  closures and yearly closures, or "24/7". The calendar that applies is the most specific of
  contract → site → customer → company default → 24/7 in ``settings.CONTRACTS_FALLBACK_TIMEZONE``.
- Amendment: a dated change during the term (coverage added or removed, tier, price); the contract's
  state at a date is its base plus the amendments effective by then.
- Entitlement: which active contract covers an object or site at a moment, with which targets, or
  "time and materials".
- SLA clock: one guaranteed time (response, on-site, resolution, update cadence) of a subject such as
  a ticket; its append-only event log is the truth, its deadline and state a cache of that log's
  evaluation (``clocks.evaluate``). Escalation rule: a tier's level firing at an offset from a deadline.
- Preventive plan: recurring maintenance of one covered object or of every covered object of a
  category, every N days / weeks / months or every N units of a counter attribute, with a tolerance
  window (rules in ``preventive.py``); the ``workorders`` context generates its work orders.

Tables owned: contracts_calendar, contracts_calendarassignment, contracts_slapolicy,
contracts_slatarget, contracts_contract, contracts_coverage, contracts_amendment,
contracts_remindersent, contracts_slaclock, contracts_slaclockevent, contracts_escalationrule,
contracts_slaescalation, contracts_preventiveplan.
Events: none published yet; reminders go to the account manager through the outbox.
"""
