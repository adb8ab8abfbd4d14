/** Human text for solver results: what was chosen, or why nothing fits and what to change. */
import type { Assignment, Infeasible, SolveProblem, Suggestion } from './types.js';

const bytes = (n: number): string => `${Math.round(n)} B`;
const count = (n: number): string => `${Math.round(n)}`;
const loss = (n: number): string => n.toFixed(4);
/** At most MAX_LISTED rows or names: a budget far off the mark binds most layers. */
const MAX_LISTED = 5;
const names = (xs: readonly string[]): string => (xs.length <= MAX_LISTED ? xs.join(', ') : `${xs.slice(0, MAX_LISTED).join(', ')} and ${xs.length - MAX_LISTED} more`);

function budgetLine(inf: Infeasible): string {
  const b = inf.budget;
  const latency = b.instructions === undefined ? '' : `, latency ${count(b.instructions)} instructions`;
  const lossBound = b.loss === undefined ? '' : `, predicted loss ${loss(b.loss)}`;
  return `flash ${bytes(b.flash)}, RAM ${bytes(b.ram)}${latency}${lossBound}`;
}

/** "RAM", "RAM and latency", "RAM, latency and loss": the budgets besides flash. */
function others(b: Infeasible['budget']): string {
  const xs = ['RAM', ...(b.instructions === undefined ? [] : ['latency']), ...(b.loss === undefined ? [] : ['loss'])];
  return xs.length === 1 ? xs[0]! : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

function floorLines(inf: Infeasible): string[] {
  const { flash, ram, instructions } = inf.floors;
  const b = inf.budget;
  const mark = (over: boolean): string => (over ? '  ← over budget' : '');
  const lines = [
    `  flash:   the smallest reachable is ${bytes(flash.value)} (budget ${bytes(b.flash)})${mark(flash.value > b.flash)}`,
    `  RAM:     the smallest peak is ${bytes(ram.value)}${ram.assignment.peakAt === undefined ? '' : ` at ${ram.assignment.peakAt}`} (budget ${bytes(b.ram)})${mark(ram.value > b.ram)}`,
  ];
  if (b.instructions !== undefined) {
    lines.push(`  latency: the fewest instructions are ${count(instructions.value)} (budget ${count(b.instructions)})${mark(instructions.value > b.instructions)}`);
  }
  if (b.loss !== undefined) {
    lines.push(`  loss:    the least predicted is ${loss(inf.floors.loss.value)} (budget ${loss(b.loss)})${mark(inf.floors.loss.value > b.loss)}`);
  }
  if (inf.violated.includes('combination')) {
    const joint = inf.flashWithinOtherBudgets;
    lines.push(
      joint === undefined
        ? '  each budget can be met alone, but no choice meets them together'
        : `  each budget can be met alone, but within the ${others(b)} budget the smallest flash is ${bytes(joint)}`,
    );
  }
  return lines;
}

function bindingLines(inf: Infeasible): string[] {
  const lines: string[] = [];
  for (const resource of ['flash', 'instructions'] as const) {
    const rows = inf.bindingLayers.filter((l) => l.resource === resource);
    const unit = resource === 'flash' ? bytes : (n: number): string => `${count(n)} instructions`;
    const of = resource === 'flash' ? ' of flash' : '';
    for (const l of rows.slice(0, MAX_LISTED)) lines.push(`  ${l.layer}: at least ${unit(l.smallest)}${of} on its smallest choice (dense ${unit(l.dense)})`);
    if (rows.length > MAX_LISTED) {
      const over = inf.floors[resource].value - (inf.budget[resource] ?? 0);
      lines.push(`  … and ${rows.length - MAX_LISTED} more: it takes all ${rows.length} at their smallest to cover the ${unit(over)} over budget`);
    }
  }
  for (const r of inf.bindingRamPoints) {
    const by = r.layers.length === 0 ? 'no layer can shrink it' : `channel pruning of ${names(r.layers)} can shrink the rest`;
    lines.push(`  RAM at ${r.label}: at least ${bytes(r.smallest)}, ${bytes(r.unprunable)} of it fixed; ${by}`);
  }
  return lines.length === 0 ? [] : ['binding:', ...lines];
}

function suggestionLine(s: Suggestion): string {
  switch (s.kind) {
    case 'board':
      return `  - a larger board: ${s.board} (flash ${bytes(s.flash)}, RAM ${bytes(s.ram)}): fits with predicted loss ${loss(s.loss)}`;
    case 'latency':
      return `  - relax --latency to ${count(s.instructions)} instructions: fits with predicted loss ${loss(s.loss)}`;
    case 'loss':
      return `  - raise the loss budget (--max-loss) to ${loss(s.loss)}: the least predicted loss that fits`;
    case 'choices': {
      const how = { ram: 'channel-pruned choices (fewer output channels)', flash: 'sparser choices', instructions: 'faster choices (sparser, or structured formats)' }[s.resource];
      return `  - offer ${how} for ${names(s.layers)}: measure their sensitivity further out, with more validation data so those points can be trusted`;
    }
  }
}

export function formatInfeasible(inf: Infeasible): string {
  const lines = [`no pruning plan fits ${budgetLine(inf)}`, ...floorLines(inf), ...bindingLines(inf)];
  if (inf.suggestions.length > 0) lines.push('what to change:', ...inf.suggestions.map(suggestionLine));
  if (inf.boardsTried > 0 && !inf.suggestions.some((s) => s.kind === 'board')) lines.push(`  (none of the ${inf.boardsTried} boards given fits either)`);
  return lines.join('\n');
}

/** One line per layer and the totals, for a result that fits. */
export function formatAssignment(p: SolveProblem, a: Assignment): string {
  const lines = p.layers.map((l, i) => {
    const c = l.choices[a.choices[i]!]!;
    const channels = c.outChannels === undefined ? '' : `, ${c.outChannels}/${l.outChannels} channels`;
    return `  ${l.name}: ${c.granularity} ${(c.sparsity * 100).toFixed(1)}% as ${c.format}${channels} (loss ${loss(c.loss)})`;
  });
  const t = a.totals;
  const peak = a.peakAt === undefined ? '' : ` at ${a.peakAt}`;
  lines.push(`  total: flash ${bytes(t.flash)}, peak RAM ${bytes(t.ram)}${peak}, ${count(t.instructions)} instructions, predicted loss ${loss(t.loss)}`);
  return lines.join('\n');
}
