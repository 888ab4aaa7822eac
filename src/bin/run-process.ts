// Shared start-up for every entry point: load the configuration, create the logger, run the
// process body, stop cleanly on SIGINT/SIGTERM, and turn known start-up failures into one
// readable message and a non-zero exit (1 = failed, 2 = configuration problem).
import { type Config, ConfigError, describeConfig, loadConfig } from '../config/index.js';
import { createLogger, type Logger } from '../log.js';

export interface ProcessContext {
  config: Config;
  log: Logger;
  /** Register cleanup; run in reverse order on shutdown. */
  onShutdown(stop: () => Promise<void> | void): void;
}

/** Errors whose message is already the whole story for the operator (no stack trace). */
export class StartupError extends Error {
  override name = 'StartupError';
}

const EXPECTED_ERRORS = new Set([
  'StartupError',
  'ChatPlatformSetupError',
  'RedisUnavailableError',
  'DatabaseSetupError',
]);

export async function runProcess(name: string, body: (ctx: ProcessContext) => Promise<void>) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`${name}: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }

  const log = createLogger(config.env.LOG_LEVEL, name);
  const stops: (() => Promise<void> | void)[] = [];
  let shuttingDown = false;
  const shutdown = async (reason: string, code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ reason }, 'shutting down');
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        log.error({ err: error }, 'error during shutdown');
      }
    }
    if (code === 0) console.log(`${name} stopped`);
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));

  log.debug({ config: describeConfig(config) }, 'configuration');
  try {
    await body({ config, log, onShutdown: (stop) => stops.push(stop) });
  } catch (error) {
    const err = error as Error;
    if (EXPECTED_ERRORS.has(err.name)) console.error(`${name}: ${err.message}`);
    else log.fatal({ err }, 'start-up failed');
    await shutdown('start-up failed', 1);
  }
}
