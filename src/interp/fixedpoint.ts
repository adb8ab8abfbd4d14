/**
 * Integer and fixed-point arithmetic exactly as TensorFlow Lite Micro's reference kernels do it
 * (gemmlowp's fixedpoint.h plus tflite/kernels/internal/{common,quantization_util}), at the
 * golden commit tensorflow/tflite-micro@90b983c2b3f1.
 *
 * TFLM is built without TFLITE_SINGLE_ROUNDING by default, so MultiplyByQuantizedMultiplier is
 * the *double-rounding* variant: SaturatingRoundingDoublingHighMul (round half away from zero)
 * followed by RoundingDivideByPOT (round half away from zero again). That is what every function
 * here reproduces; the single-rounding variant is deliberately not offered, so that nobody mixes
 * them up.
 *
 * All int32 values are JS numbers holding the exact int32 value. 64-bit intermediate products
 * (int32 x int32) do NOT fit a double exactly, so they are split into 16-bit halves below; BigInt
 * is only used by the rare int64-accumulator path (int16 activations).
 */

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
const TWO_POW_31 = 2147483648;
const TWO_POW_15 = 32768;
const TWO_POW_16 = 65536;

/** Wraps a (small enough to be exact) integer to int32, as C's int32 arithmetic does in practice. */
export function wrapInt32(x: number): number {
  return x | 0;
}

/**
 * gemmlowp::SaturatingRoundingDoublingHighMul for int32 (ARM VQRDMULH semantics):
 * (a*b + nudge) / 2^31 truncated toward zero, nudge = 2^30 for ab >= 0 and 1 - 2^30 otherwise,
 * with INT32_MIN * INT32_MIN saturating to INT32_MAX.
 *
 * The 62-bit product is formed exactly from two partial products that each fit in 48 bits:
 * ab = a*bh*2^16 + a*bl with bh = b >> 16 (signed) and bl = b & 0xffff.
 */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const bh = b >> 16;
  const bl = b & 0xffff;
  const p1 = a * bh; // |p1| <= 2^46, exact
  const p0 = a * bl; // |p0| <  2^47, exact
  const nonNegative = a === 0 || b === 0 || a > 0 === b > 0;
  const nudge = nonNegative ? 1073741824 : 1 - 1073741824;
  // x = ab + nudge = p1*2^16 + p0 + nudge. Write p1 = q1*2^15 + r1 (0 <= r1 < 2^15), so that
  // x = q1*2^31 + s with s = r1*2^16 + p0 + nudge, |s| < 2^48 (exact in a double).
  const q1 = Math.floor(p1 / TWO_POW_15);
  const r1 = p1 - q1 * TWO_POW_15;
  const s = r1 * TWO_POW_16 + p0 + nudge;
  const q2 = Math.floor(s / TWO_POW_31);
  const r = s - q2 * TWO_POW_31; // 0 <= r < 2^31
  const q = q1 + q2; // floor(x / 2^31)
  // C++ integer division truncates toward zero: for negative x with a remainder, floor + 1.
  return q < 0 && r !== 0 ? q + 1 : q;
}

/**
 * gemmlowp::RoundingDivideByPOT: arithmetic right shift by `exponent` (0..31), rounding to
 * nearest with ties away from zero.
 */
export function roundingDivideByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = exponent === 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/**
 * gemmlowp::SaturatingRoundingMultiplyByPOT<exponent>: exponent > 0 is a saturating left
 * shift, exponent < 0 a rounding right shift.
 */
export function saturatingRoundingMultiplyByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  if (exponent < 0) return roundingDivideByPOT(x, -exponent);
  const threshold = 2 ** (31 - exponent) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x * 2 ** exponent;
}

/**
 * tflite::MultiplyByQuantizedMultiplier(int32 x, int32 multiplier, int shift), double-rounding
 * variant (TFLM default): shift > 0 is a left shift applied to x before the high multiply
 * (wrapping like the C int32 multiply), shift < 0 a rounding right shift after it.
 */
export function multiplyByQuantizedMultiplier(x: number, quantizedMultiplier: number, shift: number): number {
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  const shifted = leftShift > 0 ? Math.imul(x, 2 ** leftShift | 0) : x;
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(shifted, quantizedMultiplier), rightShift);
}

/** tflite::MultiplyByQuantizedMultiplierSmallerThanOneExp (leftShift <= 0). */
export function multiplyByQuantizedMultiplierSmallerThanOneExp(
  x: number,
  quantizedMultiplier: number,
  leftShift: number,
): number {
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, quantizedMultiplier), -leftShift);
}

/** tflite::MultiplyByQuantizedMultiplierGreaterThanOne (leftShift >= 0). */
export function multiplyByQuantizedMultiplierGreaterThanOne(
  x: number,
  quantizedMultiplier: number,
  leftShift: number,
): number {
  return saturatingRoundingDoublingHighMul(Math.imul(x, 2 ** leftShift | 0), quantizedMultiplier);
}

/**
 * tflite::MultiplyByQuantizedMultiplier(int64 x, ...) — the variant used with 64-bit
 * accumulators (int16 activations). TFLM's double-rounding build implements it as a single
 * rounding with the multiplier reduced to 16 bits (common.cc). x must be in [-2^47, 2^47).
 */
export function multiplyByQuantizedMultiplierInt64(x: bigint, quantizedMultiplier: number, shift: number): number {
  const reduced = quantizedMultiplier < 0x7fff0000 ? (quantizedMultiplier + (1 << 15)) >> 16 : 0x7fff;
  const totalShift = BigInt(15 - shift);
  const prod = x * BigInt(reduced) + (1n << (totalShift - 1n));
  return Number(BigInt.asIntN(32, prod >> totalShift));
}

/** C's std::round / TfLiteRound: round half away from zero (exact for every double). */
export function roundHalfAwayFromZero(x: number): number {
  if (!Number.isFinite(x)) return x;
  if (x < 0) return -roundHalfAwayFromZero(-x);
  const f = Math.floor(x);
  // x - floor(x) is exact for doubles, unlike x + 0.5 (0.49999999999999994 + 0.5 === 1).
  return x - f >= 0.5 ? f + 1 : f;
}

const frexpView = new DataView(new ArrayBuffer(8));

/** C's frexp: x = fraction * 2^exponent with |fraction| in [0.5, 1) (fraction 0 for x = 0). */
export function frexp(x: number): { fraction: number; exponent: number } {
  if (x === 0 || !Number.isFinite(x)) return { fraction: x, exponent: 0 };
  frexpView.setFloat64(0, x);
  const hi = frexpView.getUint32(0);
  let biased = (hi >>> 20) & 0x7ff;
  let scaled = x;
  let adjust = 0;
  if (biased === 0) {
    // Subnormal: scale into the normal range first (exact).
    scaled = x * 2 ** 64;
    adjust = -64;
    frexpView.setFloat64(0, scaled);
    biased = (frexpView.getUint32(0) >>> 20) & 0x7ff;
  }
  const exponent = biased - 1022;
  return { fraction: scaled * 2 ** -exponent, exponent: exponent + adjust };
}

export interface QuantizedMultiplier {
  /** Q0.31 significand in [2^30, 2^31) (0 for a zero multiplier). */
  multiplier: number;
  /** Power-of-two exponent: positive = left shift, negative = right shift. */
  shift: number;
}

/**
 * tflite::QuantizeMultiplier (quantization_util.cc, non-TFLITE_EMULATE_FLOAT path):
 * q = frexp(m), q_fixed = round(q * 2^31); q_fixed == 2^31 becomes 2^30 with shift + 1;
 * shifts below -31 flush to zero.
 */
export function quantizeMultiplier(doubleMultiplier: number): QuantizedMultiplier {
  if (doubleMultiplier === 0) return { multiplier: 0, shift: 0 };
  const { fraction, exponent } = frexp(doubleMultiplier);
  let shift = exponent;
  let qFixed = roundHalfAwayFromZero(fraction * TWO_POW_31);
  if (qFixed === TWO_POW_31) {
    qFixed /= 2;
    shift += 1;
  }
  if (shift < -31) {
    shift = 0;
    qFixed = 0;
  }
  return { multiplier: qFixed, shift };
}

/** tflite::QuantizeMultiplierSmallerThanOneExp; the caller guarantees 0 < m < 1. */
export function quantizeMultiplierSmallerThanOneExp(doubleMultiplier: number): QuantizedMultiplier {
  return quantizeMultiplier(doubleMultiplier);
}

/** tflite::QuantizeMultiplierGreaterThanOne; the caller guarantees m > 1. */
export function quantizeMultiplierGreaterThanOne(doubleMultiplier: number): QuantizedMultiplier {
  return quantizeMultiplier(doubleMultiplier);
}

/** gemmlowp::RoundingHalfSum for int32: (a + b) / 2 rounded half away from zero. */
export function roundingHalfSum(a: number, b: number): number {
  const sum = a + b; // exact: |sum| < 2^32
  const sign = sum >= 0 ? 1 : -1;
  return Math.trunc((sum + sign) / 2);
}

// ---- gemmlowp fixed-point transcendental functions (int32 raw values) ----

/** FixedPoint<int32, 0>::One(): the largest raw value, 1 - 2^-31. */
const F0_ONE = INT32_MAX;

/** gemmlowp::exp_on_interval_between_negative_one_quarter_and_0_excl, Q0.31 in and out. */
export function expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a: number): number {
  const constantTerm = 1895147668; // exp(-1/8)
  const constant1Over3 = 715827883; // 1/3
  // Taylor expansion around -1/8: x = a + 1/8 (1/8 is 1 << 28 in Q0.31).
  const x = (a + (1 << 28)) | 0;
  const x2 = saturatingRoundingDoublingHighMul(x, x);
  const x3 = saturatingRoundingDoublingHighMul(x2, x);
  const x4 = saturatingRoundingDoublingHighMul(x2, x2);
  const x4Over4 = roundingDivideByPOT(x4, 2);
  const poly = roundingDivideByPOT(
    (saturatingRoundingDoublingHighMul((x4Over4 + x3) | 0, constant1Over3) + x2) | 0,
    1,
  );
  return (constantTerm + saturatingRoundingDoublingHighMul(constantTerm, (x + poly) | 0)) | 0;
}

/** The barrel-shifter constants exp(-2^k) in Q0.31 for k = -2..4 (gemmlowp). */
const EXP_BARREL: ReadonlyArray<readonly [number, number]> = [
  [-2, 1672461947],
  [-1, 1302514674],
  [0, 790015084],
  [1, 290630308],
  [2, 39332535],
  [3, 720401],
  [4, 242],
];

/**
 * gemmlowp::exp_on_negative_values: exp(a) for a <= 0 given as a raw int32 with `integerBits`
 * integer bits; returns Q0.31.
 */
export function expOnNegativeValues(a: number, integerBits: number): number {
  const fractionalBits = 31 - integerBits;
  const oneQuarter = 2 ** (fractionalBits - 2);
  const mask = oneQuarter - 1;
  const aModQuarterMinusOneQuarter = ((a & mask) - oneQuarter) | 0;
  let result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(
    saturatingRoundingMultiplyByPOT(aModQuarterMinusOneQuarter, integerBits),
  );
  const remainder = (aModQuarterMinusOneQuarter - a) | 0;
  for (const [exponent, multiplier] of EXP_BARREL) {
    if (integerBits > exponent) {
      const shiftAmount = fractionalBits + exponent;
      if ((remainder & (2 ** shiftAmount | 0)) !== 0) {
        result = saturatingRoundingDoublingHighMul(result, multiplier);
      }
    }
  }
  if (integerBits > 5) {
    const clamp = -(2 ** (36 - integerBits)) | 0; // -32.0 in this format
    if (a < clamp) result = 0;
  }
  if (a === 0) result = F0_ONE;
  return result;
}

/** gemmlowp::one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a), Q0.31 in and out (Newton-Raphson). */
export function oneOverOnePlusXForXIn01(a: number): number {
  const halfDenominator = roundingHalfSum(a, F0_ONE);
  const constant48Over17 = 1515870810; // Q2.29
  const constantNeg32Over17 = -1010580540; // Q2.29
  const F2_ONE = 1 << 29;
  let x = (constant48Over17 + saturatingRoundingDoublingHighMul(halfDenominator, constantNeg32Over17)) | 0;
  for (let i = 0; i < 3; i++) {
    const halfDenominatorTimesX = saturatingRoundingDoublingHighMul(halfDenominator, x);
    const oneMinusHalfDenominatorTimesX = (F2_ONE - halfDenominatorTimesX) | 0;
    // F2 * F2 = F4, Rescale<2> is a saturating left shift by 2.
    x = (x + saturatingRoundingMultiplyByPOT(saturatingRoundingDoublingHighMul(x, oneMinusHalfDenominatorTimesX), 2)) | 0;
  }
  // ExactMulByPot<-1> turns Q2.29 into Q1.30 (same raw); Rescale<0> shifts left by 1, saturating.
  return saturatingRoundingMultiplyByPOT(x, 1);
}

/**
 * tflite::GetReciprocal (common.h): reciprocal of a positive fixed-point x with
 * `integerDigits` integer bits, as a Q0.31 significand and the number of bits over unit.
 */
export function getReciprocal(x: number, integerDigits: number): { reciprocal: number; numBitsOverUnit: number } {
  const headroomPlusOne = Math.clz32(x);
  const numBitsOverUnit = integerDigits - headroomPlusOne;
  // (uint32(x) << headroom) - 2^31, reinterpreted as int32.
  const shiftedSumMinusOne = (((x << headroomPlusOne) >>> 0) - TWO_POW_31) | 0;
  return { reciprocal: oneOverOnePlusXForXIn01(shiftedSumMinusOne), numBitsOverUnit };
}
