import type { OpLowering } from './context.js';

/** RESHAPE moves no bytes: its output is planned into the same arena bytes as its input. */
export const lowerReshape: OpLowering = () => 'alias';
