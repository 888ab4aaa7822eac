import { DdimScheduler } from './ddim.js';
import { DpmSolver2mScheduler } from './dpmpp-2m.js';
import { EulerScheduler } from './euler.js';
import type { Scheduler, SchedulerName, SchedulerOptions } from './scheduler.js';
import type { SchedulerConfig } from './schedule.js';

export * from './scheduler.js';
export * from './schedule.js';

const FACTORIES: Record<
  SchedulerName,
  (config: SchedulerConfig, options: SchedulerOptions) => Scheduler
> = {
  ddim: (config, options) => new DdimScheduler(config, options.eta ?? 0),
  euler: (config) => new EulerScheduler(config),
  dpmpp_2m: (config) => new DpmSolver2mScheduler(config),
};

export function createScheduler(
  name: SchedulerName,
  config: SchedulerConfig,
  options: SchedulerOptions = {},
): Scheduler {
  const eta = options.eta ?? 0;
  if (!(eta >= 0 && eta <= 1)) throw new RangeError(`eta must be from 0 to 1, got ${eta}`);
  if (eta > 0 && name !== 'ddim') {
    throw new RangeError(`eta applies only to the ddim scheduler, not ${name}`);
  }
  return FACTORIES[name](config, options);
}
