"""Copy front-end files installed by npm (package-lock.json) into the static folder. No bundler."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "tournevis" / "web" / "static" / "vendor"

# npm path (under node_modules) → file name under static/vendor
FILES = {
    "htmx.org/dist/htmx.min.js": "htmx.min.js",
    # The standalone browser bundle of @event-calendar (all plugins, no bundler): the planning board
    "@event-calendar/build/dist/event-calendar.min.js": "event-calendar.min.js",
    "@event-calendar/build/dist/event-calendar.min.css": "event-calendar.min.css",
}


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    for source, name in FILES.items():
        path = ROOT / "node_modules" / source
        if not path.is_file():
            print(f"missing {path}: run npm ci", file=sys.stderr)  # noqa: T201
            return 1
        shutil.copyfile(path, TARGET / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
