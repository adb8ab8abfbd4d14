/**
 * plan.json: a PrunePlan as a file — written by the pipeline (<out>/pipeline/plan.json, the
 * plan it solved) and read back by `build --plan` and `prune --plan` (that file, edited, or
 * one written by hand). One module for its version, its schema and its reader. A file without
 * schemaVersion is taken as a hand-written plan of the current version; every key is checked,
 * so a misspelt one is an error rather than silently ignored.
 */
import { readFileSync } from 'node:fs';
import { TinypruneError } from '../errors.js';
import { parseJsonFile, validate, type Schema } from '../util/validate.js';
import type { PrunePlan } from './plan.js';

/** Bump when a field changes meaning or shape. */
export const PLAN_SCHEMA_VERSION = 1;

const n = 'number';
const optionalNumbers = (...keys: string[]): Schema => ({ object: Object.fromEntries(keys.map((k) => [k, n])), optional: keys, closed: true });

export const PLAN_SCHEMA: Schema = {
  object: {
    schemaVersion: { enum: [PLAN_SCHEMA_VERSION] },
    criterion: 'string',
    scope: { enum: ['layer', 'global'] },
    granularity: 'string',
    sparsity: n,
    layers: {
      record: {
        object: { granularity: 'string', sparsity: n, format: 'string', exclude: 'boolean', pinned: 'boolean' },
        optional: ['granularity', 'sparsity', 'format', 'exclude', 'pinned'],
        closed: true,
      },
    },
    schedule: {
      object: { kind: { enum: ['oneshot', 'agp', 'lth'] }, pruneSteps: n, pruneFraction: n, initialSparsity: n, rewindStep: n, rounds: n },
      optional: ['pruneSteps', 'pruneFraction', 'initialSparsity', 'rewindStep', 'rounds'],
      closed: true,
    },
    fineTune: optionalNumbers('epochs', 'learningRateScale', 'learningRate', 'patience', 'batchSize'),
  },
  optional: ['schemaVersion', 'criterion', 'scope', 'granularity', 'sparsity', 'layers', 'schedule', 'fineTune'],
  closed: true,
};

/** The plan as written to plan.json: the schema version first. */
export function versionedPlan(plan: PrunePlan): PrunePlan & { schemaVersion: number } {
  return { schemaVersion: PLAN_SCHEMA_VERSION, ...plan };
}

/** Checks parsed plan.json against the schema; `file` names it in the error. */
export function checkPlan(json: unknown, file: string): PrunePlan {
  const m = validate(PLAN_SCHEMA, json);
  if (m) {
    const version = m.path === 'schemaVersion';
    throw new TinypruneError('E_DATA', `${file} is not a plan this tinyprune reads: ${m.path} should be ${m.expected}, not ${m.got}`, {
      where: `${file}: ${m.path}`,
      allowed: m.expected,
      hint: version
        ? 'the plan is from another tinyprune: build again without --plan to get a new <out>/pipeline/plan.json, then edit that'
        : 'fix that field (see the plan a build wrote under <out>/pipeline/plan.json), or build without --plan to get a new one',
      data: { path: file, field: m.path },
    });
  }
  const { schemaVersion: _version, ...plan } = json as PrunePlan & { schemaVersion?: number };
  return plan;
}

/** A plan file, parsed and checked. */
export function readPlanFile(file: string): PrunePlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TinypruneError('E_FILE_NOT_FOUND', `cannot read the plan: ${(e as Error).message}`, { where: file, cause: e, data: { path: file } });
  }
  return checkPlan(parseJsonFile(text, file, 'edit the plan.json a previous build wrote under <out>/pipeline/'), file);
}
