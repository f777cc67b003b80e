/**
 * One root error type for everything Flywheel reports to a user. `code` is a stable string a
 * caller (CLI, HTTP server, tests) can branch on; `message` is one line naming what is wrong.
 * The CLI prints `flywheel: <message>` and exits non-zero; the server maps codes to HTTP status.
 */
export type ErrorCode =
  | 'bad_config' // a TrainConfig / option failed validation (names key and value)
  | 'bad_input' // a CLI argument or request body is malformed
  | 'bad_data' // a corpus file or prepared dataset is unreadable
  | 'not_found' // a run, session or dataset id that does not exist
  | 'conflict' // an action that the current state forbids (e.g. editing a finished run)
  | 'unauthorized'
  | 'trainer_failed' // the trainer process could not start or crashed before reporting
  | 'missing_dependency' // python3/torch/bwrap/... absent
  | 'llm_error' // the LLM provider answered with an error we could not recover from
  | 'budget_exhausted'
  | 'internal';

export class FlywheelError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'FlywheelError';
  }
}

export function isFlywheelError(e: unknown): e is FlywheelError {
  return e instanceof FlywheelError;
}

/** One line for a human, whatever was thrown. */
export function errorLine(e: unknown): string {
  if (e instanceof FlywheelError) return e.message;
  if (e instanceof Error) return e.message.split('\n')[0];
  return String(e);
}
