/** The contract every sparse format implements. */
import type { EncodedMatrix, FormatName, WeightMatrix } from '../types.js';

/** Operators whose weights can be encoded. */
export type SparseOp = 'fc' | 'conv' | 'dw';

export interface SparseFormat {
  name: FormatName;
  /** One line for help texts and reports. */
  summary: string;
  /** Kernel file/function suffix: tp_<op>_<dtype>_<kernel> (N:M formats share one kernel). */
  kernel: string;
  /** Ops and dtypes with a kernel for this format. */
  supports(op: SparseOp, dtype: WeightMatrix['dtype']): boolean;
  /** Why this matrix cannot be encoded exactly (undefined when it can). */
  notApplicable(m: WeightMatrix): string | undefined;
  encode(m: WeightMatrix): EncodedMatrix;
  decode(e: EncodedMatrix): WeightMatrix;
}
