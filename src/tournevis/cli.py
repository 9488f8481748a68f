"""The ``tournevis`` command: Django management plus Tournevis's own commands.

tournevis migrate
tournevis users create NAME --role ROLE [--customer ID]
tournevis token create --user NAME
tournevis demo load [--size small|large] [--seed N]
tournevis worker
tournevis dispatch solve PROBLEM.json | solomon FILE
tournevis stock import PARTS.csv [--dry-run]
tournevis runserver
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tournevis.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tournevis", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
