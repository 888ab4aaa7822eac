/** A database problem the operator must fix; its message is meant to be printed as is. */
export class DatabaseSetupError extends Error {
  override name = 'DatabaseSetupError';
}
