// Typed engine errors, so callers (queue, bots, CLI) can tell a user's mistake from a fault.

/** The request is wrong (prompt, numbers, image): show the message to the user, do not retry. */
export class EngineInputError extends Error {
  override readonly name = 'EngineInputError';
  /** Which request field is wrong, e.g. "prompt", "steps", "image". */
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** The model folder does not match docs/model-format.md. */
export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
}

/** The caller's AbortSignal fired; inference stopped between two steps. */
export class EngineAbortedError extends Error {
  override readonly name = 'AbortError';
  constructor(message = 'generation was cancelled') {
    super(message);
  }
}

/** Rebuilds a typed error that crossed the worker-thread boundary as plain data. */
export interface SerializedError {
  name: string;
  message: string;
  field?: string;
  stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof EngineInputError) {
    return { name: error.name, message: error.message, field: error.field };
  }
  if (error instanceof Error)
    return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

export function deserializeError(data: SerializedError): Error {
  if (data.name === 'EngineInputError') return new EngineInputError(data.field ?? '', data.message);
  if (data.name === 'ModelFormatError') return new ModelFormatError(data.message);
  if (data.name === 'AbortError') return new EngineAbortedError(data.message);
  const error = new Error(data.message);
  error.name = data.name;
  if (data.stack) error.stack = data.stack;
  return error;
}
