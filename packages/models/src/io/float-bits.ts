// Conversions of 16-bit floats (IEEE half, bfloat16) to numbers, shared by the safetensors and
// .pth readers.

/** IEEE 754 half-precision bits → number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 bits (the top half of a float32) → number. */
export function bfloatToFloat(bits: number): number {
  scratch.setUint32(0, bits << 16, true);
  return scratch.getFloat32(0, true);
}
