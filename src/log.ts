// Structured JSON logs (pino). Known secret fields are censored even if someone logs them.
import { pino, type Logger } from 'pino';
import { SECRET_VARIABLES } from './config/index.js';

export type { Logger } from 'pino';

const SECRET_KEYS = [...SECRET_VARIABLES, 'token', 'password', 'secret', 'authorization'];

export function createLogger(
  level: string,
  name = 'firstframe',
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    redact: {
      paths: SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
      censor: '***',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
