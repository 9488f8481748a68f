"""Dispatch: the planning board and optimised plans (``routing/``: solver port, adapters, checker)."""
