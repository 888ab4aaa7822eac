import { DdimScheduler } from './ddim.js';
import { DpmSolver2mScheduler } from './dpmpp-2m.js';
import { EulerScheduler } from './euler.js';
import type { Scheduler, SchedulerName } from './scheduler.js';
import type { SchedulerConfig } from './schedule.js';

export * from './scheduler.js';
export * from './schedule.js';

const FACTORIES: Record<SchedulerName, (config: SchedulerConfig) => Scheduler> = {
  ddim: (config) => new DdimScheduler(config),
  euler: (config) => new EulerScheduler(config),
  dpmpp_2m: (config) => new DpmSolver2mScheduler(config),
};

export function createScheduler(name: SchedulerName, config: SchedulerConfig): Scheduler {
  return FACTORIES[name](config);
}
