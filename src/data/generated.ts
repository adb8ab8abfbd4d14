/**
 * Generated handwriting-like digits: 28x28 grey images (MNIST layout: white strokes on black,
 * the glyph inside a centred 20x20 box, values 0..1) rendered from stroke skeletons under a
 * seeded random affine transform, stroke width, skeleton jitter and sensor noise.
 *
 * This is the project's own data: the embedded default (`tinyprune build` with no arguments)
 * trains, prunes and measures accuracy on it on a fresh clone, where ../shared is absent. The
 * same seed gives the same images on every machine.
 */
import { TinypruneError } from '../errors.js';
import { Prng } from '../util/prng.js';
import { checkDataset, type Dataset } from './dataset.js';

type Point = [number, number];
type Stroke = Point[];

const SIDE = 28;
const BOX = 20;

/** Points along an arc of the circle/ellipse at (cx, cy), angles in degrees (y grows downwards). */
function arc(cx: number, cy: number, rx: number, ry: number, fromDeg: number, toDeg: number): Stroke {
  const steps = Math.max(4, Math.ceil(Math.abs(toDeg - fromDeg) / 15));
  const out: Stroke = [];
  for (let i = 0; i <= steps; i++) {
    const a = ((fromDeg + ((toDeg - fromDeg) * i) / steps) * Math.PI) / 180;
    out.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
  }
  return out;
}

/** Skeletons in a unit box (x right, y down), one list of strokes per digit. */
const GLYPHS: readonly (readonly Stroke[])[] = [
  [arc(0.5, 0.5, 0.3, 0.42, 0, 360)],
  [[[0.34, 0.24], [0.54, 0.08], [0.54, 0.92]]],
  [[...arc(0.5, 0.32, 0.25, 0.22, 180, 390), [0.2, 0.9], [0.82, 0.9]]],
  [arc(0.48, 0.29, 0.22, 0.2, 200, 450), arc(0.48, 0.7, 0.25, 0.21, 270, 520)],
  [[[0.66, 0.92], [0.66, 0.08], [0.18, 0.66], [0.84, 0.66]]],
  [[[0.76, 0.1], [0.34, 0.1], [0.3, 0.46]], arc(0.5, 0.66, 0.25, 0.23, 225, 510)],
  [[[0.7, 0.1], [0.46, 0.3], [0.3, 0.62]], arc(0.5, 0.68, 0.21, 0.22, 0, 360)],
  [[[0.2, 0.1], [0.8, 0.1], [0.42, 0.92]]],
  [arc(0.5, 0.28, 0.19, 0.18, 0, 360), arc(0.5, 0.7, 0.24, 0.22, 0, 360)],
  [arc(0.5, 0.32, 0.21, 0.22, 0, 360), [[0.71, 0.34], [0.62, 0.92]]],
];

export interface GeneratedDigitsOptions {
  count: number;
  seed?: number;
}

/** Renders one digit into `out` (28*28 floats) with a transform drawn from `rng`. */
function renderDigit(digit: number, rng: Prng, out: Float32Array): void {
  const angle = ((rng.next() * 2 - 1) * 14 * Math.PI) / 180;
  const shear = (rng.next() * 2 - 1) * 0.25;
  const sx = 0.78 + rng.next() * 0.27;
  const sy = 0.85 + rng.next() * 0.2;
  const tx = (rng.next() * 2 - 1) * 2;
  const ty = (rng.next() * 2 - 1) * 2;
  const half = 0.8 + rng.next() * 1.2;
  const jitter = 0.035;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // Unit box → pixels: centre the 20x20 box, then scale, shear, rotate about the centre.
  const place = ([u, v]: Point): Point => {
    const x0 = (u - 0.5) * BOX * sx;
    const y0 = (v - 0.5) * BOX * sy;
    const x1 = x0 + shear * y0;
    return [SIDE / 2 + tx + cos * x1 - sin * y0, SIDE / 2 + ty + sin * x1 + cos * y0];
  };
  const segments: number[] = [];
  for (const stroke of GLYPHS[digit]!) {
    const pts = stroke.map(([u, v]) => place([u + (rng.next() * 2 - 1) * jitter, v + (rng.next() * 2 - 1) * jitter]));
    for (let i = 1; i < pts.length; i++) segments.push(pts[i - 1]![0], pts[i - 1]![1], pts[i]![0], pts[i]![1]);
  }
  const noise = 0.04 * rng.next();
  for (let py = 0; py < SIDE; py++) {
    for (let px = 0; px < SIDE; px++) {
      const x = px + 0.5;
      const y = py + 0.5;
      let best = Infinity;
      for (let s = 0; s < segments.length; s += 4) {
        const ax = segments[s]!;
        const ay = segments[s + 1]!;
        const dx = segments[s + 2]! - ax;
        const dy = segments[s + 3]! - ay;
        const len2 = dx * dx + dy * dy;
        const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, ((x - ax) * dx + (y - ay) * dy) / len2));
        const ex = ax + t * dx - x;
        const ey = ay + t * dy - y;
        best = Math.min(best, ex * ex + ey * ey);
      }
      const ink = Math.min(1, Math.max(0, half + 0.5 - Math.sqrt(best)));
      const v = ink + noise * rng.normal();
      out[py * SIDE + px] = Math.min(1, Math.max(0, v));
    }
  }
}

/** `count` digits, classes in turn 0, 1, …, 9, 0, … (balanced to within one per class). */
export function generatedDigits(opts: GeneratedDigitsOptions): Dataset {
  const { count, seed = 1 } = opts;
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000) {
    throw new TinypruneError('E_DATA', `generated digits: count must be an integer in 1..1000000; got ${count}`, { where: 'generated-digits', hint: 'e.g. --data generated-digits:3000' });
  }
  const rng = new Prng(seed);
  const x = new Float32Array(count * SIDE * SIDE);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const digit = i % 10;
    y[i] = digit;
    renderDigit(digit, rng, x.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE));
  }
  return checkDataset({ name: `generated-digits:${count}:seed${seed}`, sampleShape: [SIDE, SIDE, 1], x, y, numClasses: 10 });
}

/** `generated-digits[:count[:seed]]` → the data set; undefined if the spec is not of that form. */
export function parseGeneratedSpec(spec: string): Dataset | undefined {
  const m = /^generated-digits(?::(\d+))?(?::(\d+))?$/.exec(spec);
  if (!m) return undefined;
  return generatedDigits({ count: m[1] ? Number(m[1]) : 3000, seed: m[2] ? Number(m[2]) : 1 });
}
