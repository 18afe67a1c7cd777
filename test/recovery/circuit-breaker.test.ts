import { describe, expect, it } from 'vitest';
import { Breaker } from '../../src/recovery/circuit-breaker.ts';
import { CircuitOpenError, type Recovery } from '../../src/subject/recovery.ts';

/** Recovery helpers that only run what they are given (the breaker's probe is a selfHeal), counting probes. */
function bareRecovery(): Recovery & { probes: number } {
  const r = { probes: 0 } as Recovery & { probes: number };
  r.selfHeal = async <T>(_target: string, heal: () => Promise<T> | T) => {
    r.probes++;
    return heal();
  };
  return r;
}

describe('circuit breaker, on a clock the test drives', () => {
  it('opens at the threshold, fails fast while open, lets one probe through once the reset time has passed, and closes on its success', async () => {
    let now = 1_000;
    const recovery = bareRecovery();
    const breaker = new Breaker('tool', { failureThreshold: 2, resetAfterMs: 150 }, recovery, () => now);
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('boom');
    };
    await expect(breaker.call(failing)).rejects.toThrow('boom');
    expect(breaker.state).toBe('closed');
    await expect(breaker.call(failing)).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    now += 149;
    await expect(breaker.call(failing)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(calls).toBe(2);
    now += 1;
    expect(await breaker.call(async () => 'ok')).toBe('ok');
    expect(recovery.probes).toBe(1);
    expect(breaker.state).toBe('closed');
  });

  it('a failed probe opens it again, for another full reset time', async () => {
    let now = 0;
    const breaker = new Breaker('tool', { failureThreshold: 1, resetAfterMs: 100 }, bareRecovery(), () => now);
    await expect(breaker.call(async () => Promise.reject(new Error('a')))).rejects.toThrow('a');
    now = 100;
    await expect(breaker.call(async () => Promise.reject(new Error('probe failed')))).rejects.toThrow('probe failed');
    now = 199;
    await expect(breaker.call(async () => 'never')).rejects.toBeInstanceOf(CircuitOpenError);
    now = 200;
    expect(await breaker.call(async () => 'healed')).toBe('healed');
  });
});
