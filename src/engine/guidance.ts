// Classifier-free guidance on v-predictions, written into a caller-owned buffer (no copies
// per step). Formulas: docs/model-format.md, "Guidance".

/** Image: model output batch is [uncond_0..uncond_{n-1}, text_0..text_{n-1}] of `size` each;
 * writes v = u + s * (t - u) (then optional rescale) for each of the n samples into `out`. */
export function applyTextGuidance(
  modelOutput: Float32Array,
  out: Float32Array,
  count: number,
  scale: number,
  rescale: number,
): void {
  const size = out.length / count;
  for (let n = 0; n < count; n++) {
    const uncond = modelOutput.subarray(n * size, (n + 1) * size);
    const text = modelOutput.subarray((count + n) * size, (count + n + 1) * size);
    const guided = out.subarray(n * size, (n + 1) * size);
    for (let i = 0; i < size; i++) guided[i] = uncond[i]! + scale * (text[i]! - uncond[i]!);
    rescaleGuidance(guided, text, rescale);
  }
}

/** Video: model output batch is [no text & no image, no text & image, text & image];
 * v = v0 + sImg * (vImg - v0) + sTxt * (vFull - vImg), then optional rescale toward vFull. */
export function applyVideoGuidance(
  modelOutput: Float32Array,
  out: Float32Array,
  textScale: number,
  imageScale: number,
  rescale: number,
): void {
  const size = out.length;
  const v0 = modelOutput.subarray(0, size);
  const vImg = modelOutput.subarray(size, 2 * size);
  const vFull = modelOutput.subarray(2 * size, 3 * size);
  for (let i = 0; i < size; i++) {
    out[i] = v0[i]! + imageScale * (vImg[i]! - v0[i]!) + textScale * (vFull[i]! - vImg[i]!);
  }
  rescaleGuidance(out, vFull, rescale);
}

/** diffusers' rescale_noise_cfg: scale the guided prediction to the text prediction's
 * standard deviation (unbiased, over the whole sample), then mix by `rescale` (0 = off). */
export function rescaleGuidance(guided: Float32Array, text: Float32Array, rescale: number): void {
  if (rescale <= 0) return;
  const factor = standardDeviation(text) / standardDeviation(guided);
  const mix = rescale * factor + (1 - rescale);
  for (let i = 0; i < guided.length; i++) guided[i] = guided[i]! * mix;
}

function standardDeviation(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i]! - mean) ** 2;
  return Math.sqrt(squares / (values.length - 1));
}
