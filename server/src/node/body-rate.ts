/**
 * The minimum body rate: after a grace period, a request body must keep arriving at a given
 * average rate, or the request is refused. Node's own timeouts bound the whole request; this one
 * frees a connection held by a client that trickles its body long before that.
 */
export interface BodyRate {
  /** Average bytes a second below which a body is too slow. */
  bytesPerSecond: number;
  /** Time before the rate is first checked, ms. */
  graceMs: number;
}

export interface BodyGuard {
  received(bytes: number): void;
  stop(): void;
}

/** Calls `tooSlow` once when the average rate since the start falls below the minimum after the grace period. */
export function slowBodyGuard(rate: BodyRate, tooSlow: () => void, now: () => number = Date.now): BodyGuard {
  const started = now();
  let bytes = 0;
  const timer = setInterval(() => {
    const elapsed = now() - started;
    if (elapsed < rate.graceMs) return;
    if (bytes < (rate.bytesPerSecond * elapsed) / 1000) {
      clearInterval(timer);
      tooSlow();
    }
  }, Math.min(1000, Math.max(50, rate.graceMs / 2)));
  timer.unref?.();
  return {
    received(n) {
      bytes += n;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
