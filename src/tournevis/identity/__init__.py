"""Identity and access: users, roles, API tokens, login throttling, the permission table.

Glossary:
- Role: admin, manager, dispatcher, agent (service desk), technician, customer (a customer's user).
- Operation: a named page or API endpoint; ``permissions.PERMISSIONS`` says which roles may call it
  (deny by default: an endpoint without an entry cannot be declared, and a test checks every route).
- Actor: ``core.actor.Actor`` built from the session user or the API token.
- API token: ``tvs_<prefix>_<secret>``; only a SHA-256 of it is stored; scoped to a role.

Tables owned: identity_user, identity_apitoken, identity_loginfailure.
Events: none.
"""
