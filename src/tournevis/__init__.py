"""Tournevis: after-sales service and field service management.

Each sub-package is a bounded context (a Django app); see docs/architecture.md.
"""
