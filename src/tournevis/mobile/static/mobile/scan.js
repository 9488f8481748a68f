// Barcode and QR scanning with the BarcodeDetector API; where the browser has none, the vendored
// polyfill (barcode-detector, zxing wasm). The polyfill would fetch its wasm from a CDN: it is told
// to load our static copy before the first detector is made, so scanning works offline (ADR 0004).

let prepared = false;

export function prepare(wasmUrl) {
  if (prepared) return;
  prepared = true;
  const api = globalThis.BarcodeDetectionAPI;
  if (api?.prepareZXingModule) {
    api.prepareZXingModule({
      overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrl : prefix + path) },
    });
  }
}

// The codes read from a picture (a photo taken with the camera or chosen from the phone).
export async function scanFile(file) {
  if (!("BarcodeDetector" in globalThis)) throw new Error("unsupported");
  const bitmap = await createImageBitmap(file);
  try {
    const detector = new globalThis.BarcodeDetector();
    const found = await detector.detect(bitmap);
    return found.map((code) => code.rawValue).filter(Boolean);
  } finally {
    bitmap.close?.();
  }
}
