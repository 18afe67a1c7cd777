import { userInfo } from 'node:os';
import { IsoTime } from '../contracts/common.ts';
import { ConfigError } from '../errors/config-error.ts';
import type { LedgerSettings } from './record-build.ts';

/** The repeat window when LAB_REPEAT_WINDOW_DAYS does not say: the document's 90 days. */
export const DEFAULT_REPEAT_WINDOW_DAYS = 90;

/**
 * The ledger clock: LAB_NOW when set (an ISO 8601 UTC time, for tests and backfills), else now.
 * Only the ledger reads it (record timestamps, SLAs, repeat windows, transitions); runs keep
 * their own real times.
 */
export function ledgerNow(env: NodeJS.ProcessEnv): string {
  const set = env.LAB_NOW;
  if (!set) return new Date().toISOString();
  const normalized = set.endsWith('Z') && !set.includes('.') ? set.replace('Z', '.000Z') : set;
  if (!IsoTime.safeParse(normalized).success)
    throw new ConfigError({
      message: `LAB_NOW must be an ISO 8601 UTC time such as 2026-11-22T09:00:00Z, got "${set}"`,
    });
  return new Date(normalized).toISOString();
}

/** Who makes a change by hand: --actor, else LAB_ACTOR, else the user name of the process. */
export function actorOf(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return flag;
  if (env.LAB_ACTOR) return env.LAB_ACTOR;
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** How capture records a build in the ledger, from the environment (see .env.example). */
export function ledgerSettingsFromEnv(env: NodeJS.ProcessEnv): Omit<LedgerSettings, 'buildId'> {
  const days = env.LAB_REPEAT_WINDOW_DAYS;
  if (days !== undefined && days !== '' && !/^\d+$/.test(days))
    throw new ConfigError({ message: `LAB_REPEAT_WINDOW_DAYS must be a whole number of days, got "${days}"` });
  return {
    at: ledgerNow(env),
    buildOwner: env.LAB_BUILD_OWNER || null,
    escalationContact: env.LAB_ESCALATION_CONTACT || null,
    repeatWindowDays: days ? Number(days) : DEFAULT_REPEAT_WINDOW_DAYS,
    reporter: 'agent-failure-lab capture',
  };
}
