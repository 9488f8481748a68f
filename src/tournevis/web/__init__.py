"""Web: the back office (templates + htmx), sign-in pages, and the NinjaAPI that mounts every router.

Top of the stack: it calls every context's access, queries and services and owns no tables.
"""
