// The real clock. setTimeout cannot wait longer than ~24.8 days, so long waits are chained.
import type { Clock } from './ports.js';

const MAX_TIMEOUT_MS = 2_147_483_647;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(at, callback) {
    let handle: NodeJS.Timeout;
    const arm = () => {
      const wait = at - Date.now();
      handle = setTimeout(
        wait > MAX_TIMEOUT_MS ? arm : callback,
        Math.min(Math.max(wait, 0), MAX_TIMEOUT_MS),
      );
    };
    arm();
    return () => clearTimeout(handle);
  },
};
