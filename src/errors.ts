/**
 * Typed errors. Every stage throws a TinypruneError; only the CLI entry point turns it into
 * a message on stderr and an exit code. An error says what went wrong, where (file, layer,
 * tensor), what is allowed and how to fix it.
 */

export type ErrorCode =
  // input files
  | 'E_FILE_NOT_FOUND'
  | 'E_FILE_READ'
  | 'E_TFLITE_TRUNCATED'
  | 'E_TFLITE_MALFORMED'
  | 'E_TFLITE_IDENTIFIER'
  | 'E_TFLITE_VERSION'
  | 'E_TFLITE_LIMIT'
  | 'E_TFLITE_UNSUPPORTED'
  // IR
  | 'E_IR_INVALID'
  // interpreter
  | 'E_UNSUPPORTED_OP'
  | 'E_UNSUPPORTED_TYPE'
  | 'E_INPUT_SIZE'
  | 'E_KERNEL'
  // CLI
  | 'E_USAGE'
  | 'E_OUTPUT'
  | 'E_CONFIG'
  // the file system and concurrent runs (src/util/outdir.ts, src/util/cleanup.ts)
  | 'E_FS'
  | 'E_BUSY'
  | 'E_INTERRUPTED'
  // boards, build, run
  | 'E_BOARD'
  | 'E_TOOL_MISSING'
  | 'E_TOOL_FAILED'
  | 'E_TIMEOUT'
  | 'E_FAULT'
  | 'E_DOES_NOT_FIT'
  | 'E_CODEGEN'
  // boards over serial, flashing, benchmarks (src/device, src/bench)
  | 'E_DEVICE_NOT_FOUND'
  | 'E_DEVICE_PERMISSION'
  | 'E_DEVICE_BUSY'
  | 'E_DEVICE_SILENT'
  | 'E_DEVICE_GARBAGE'
  | 'E_DEVICE_DISCONNECTED'
  | 'E_DEVICE_PROTOCOL'
  | 'E_WRONG_FIRMWARE'
  | 'E_FLASH_FAILED'
  | 'E_BENCH_MISMATCH'
  | 'E_REGRESSION'
  // data sets, training, pruning, quantization, model import
  | 'E_DATA'
  | 'E_BACKEND'
  | 'E_TRAIN'
  | 'E_PRUNE'
  | 'E_SOLVE'
  | 'E_QUANTIZE'
  | 'E_IMPORT'
  // accuracy budget (pruning lost more than --max-loss allows; no data to measure it)
  | 'E_ACCURACY'
  | 'E_NO_DATA';

/**
 * Facts an error carries as fields, so that callers act on them without parsing the message
 * (issue #11: "errors carry data"). Each field is set by the errors it belongs to.
 */
export interface ErrorData {
  /** E_DOES_NOT_FIT from the linker: bytes over each region's limit. */
  overflow?: { region: 'FLASH' | 'RAM'; bytes: number }[];
  /** E_SOLVE / E_DOES_NOT_FIT / E_ACCURACY: the layers that bind the budget. */
  bindingLayers?: string[];
  /** E_BUSY: the process that holds the lock. */
  pid?: number;
  /** E_FS / E_OUTPUT: the path concerned and the system error code (EACCES, EROFS, …). */
  path?: string;
  errno?: string;
  /** Anything else a specific error needs to carry, by name. */
  [key: string]: unknown;
}

export interface ErrorDetails {
  /** Where: a file, "operator 12 (CONV_2D)", "tensor 7 'conv1/weights'" … */
  where?: string;
  /** What would have been accepted. */
  allowed?: string;
  /** How to fix it. */
  hint?: string;
  /** The underlying error, when this one wraps another. */
  cause?: unknown;
  /** Facts for callers (see ErrorData); never parsed out of the message. */
  data?: ErrorData;
}

export class TinypruneError extends Error {
  readonly code: ErrorCode;
  readonly where: string | undefined;
  readonly allowed: string | undefined;
  readonly hint: string | undefined;
  readonly data: ErrorData;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TinypruneError';
    this.code = code;
    this.where = details.where;
    this.allowed = details.allowed;
    this.hint = details.hint;
    this.data = details.data ?? {};
  }

  /** One human-readable block: `error[CODE]: message` then where / allowed / hint lines. */
  format(): string {
    const lines = [`error[${this.code}]: ${this.message}`];
    if (this.where) lines.push(`  where:   ${this.where}`);
    if (this.allowed) lines.push(`  allowed: ${this.allowed}`);
    if (this.hint) lines.push(`  fix:     ${this.hint}`);
    return lines.join('\n');
  }
}

export function isTinypruneError(e: unknown): e is TinypruneError {
  return e instanceof TinypruneError;
}

/** Non-fatal findings collected by a stage and printed by the CLI. */
export interface Warning {
  code: string;
  message: string;
  where?: string;
}
