"""REST API of this context (filled in by the API work)."""

from ninja import Router

router = Router()
