"""Workforce: who can go on site, from where, when and with which skills.

Glossary: a *technician* (optionally tied to a user of the technician role) has a home base, an IANA
time zone, a public-holiday calendar (country, subdivision), languages, a *team*, *skills* with a
level 1-3, a weekly pattern of *shifts* (local time, one per weekday, with an optional break window;
no overnight shifts) and *absences* (vacation, sick leave, training, military service, other) that
are requested, then approved or refused, or cancelled. *Working windows* (``domain.working_windows``,
``queries.availability``) are the UTC stretches of work left after public holidays and approved
absences.

Tables: workforce_skill, workforce_team, workforce_technician, workforce_technicianskill,
workforce_shift, workforce_absence.

Events: none published yet; higher contexts (work orders, dispatch) read ``queries.availability``,
``queries.resources`` and ``queries.skills_of``. See docs/contexts/workforce.md.
"""
