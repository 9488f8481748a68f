// The customer's signature, drawn with a finger (signature_pad, vendored as a UMD global).

export function signaturePad(canvas) {
  const ratio = Math.max(window.devicePixelRatio || 1, 1);
  const width = canvas.offsetWidth || 320;
  const height = canvas.offsetHeight || 180;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.getContext("2d").scale(ratio, ratio);
  const pad = new globalThis.SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)", penColor: "rgb(0,0,0)" });
  return {
    isEmpty: () => pad.isEmpty(),
    clear: () => pad.clear(),
    png: () => pad.toDataURL("image/png"),
  };
}
