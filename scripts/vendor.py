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
    # The technician app (/m/, docs/adr/0004-technician-app-offline.md): IndexedDB as promises (an ES
    # module without imports), the signature pad, the BarcodeDetector polyfill (IIFE: the global
    # ``BarcodeDetectionAPI``) and the zxing wasm it loads (the app points ``locateFile`` at our copy:
    # the polyfill would fetch it from a CDN otherwise). zxing-wasm is pinned to barcode-detector's own
    # dependency in package.json.
    "idb/build/index.js": "idb.js",
    "signature_pad/dist/signature_pad.umd.min.js": "signature_pad.umd.min.js",
    "barcode-detector/dist/iife/polyfill.js": "barcode-detector-polyfill.js",
    "zxing-wasm/dist/reader/zxing_reader.wasm": "zxing_reader.wasm",
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
