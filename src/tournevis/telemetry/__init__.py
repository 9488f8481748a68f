"""Telemetry: devices bound to service objects, their readings, and alert rules that open tickets.

Glossary: a *device* reports over MQTT on ``tournevis/<device>/telemetry``; a *reading* is one
message (device, sequence number, time, values), deduplicated on (device, seq); an *alert rule*
(threshold, rate over a window, error code) applies to an equipment model or one object; an
*episode* is one continuous breach of a rule: it opens one ticket and closes when the condition clears.
Tables: telemetry_device, telemetry_reading, telemetry_alertrule, telemetry_episode.
Calls down: tickets.services.open_ticket.
"""
