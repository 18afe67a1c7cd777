import type { CountsByCategory, CountsBySeverity, CountsByStatus } from '../contracts/failure-analytics.ts';

/** A count per status, every status present, in contract order. */
export function zeroByStatus(): CountsByStatus {
  return { OPEN: 0, INVESTIGATING: 0, RESOLVED: 0, PREVENTED: 0 };
}

/** A count per severity, every severity present, CRITICAL first. */
export function zeroBySeverity(): CountsBySeverity {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 };
}

/** A count per category, every category present, in contract order. */
export function zeroByCategory(): CountsByCategory {
  return { ARCHITECTURE: 0, QA: 0, SCOPE: 0, INFRA: 0, GOVERNANCE: 0, INTEGRATION: 0, UNKNOWN: 0 };
}

/** Entries of a map in a fixed order of keys (those absent from the map left out). */
export function inOrder<K, V>(map: ReadonlyMap<K, V>, order: readonly K[]): [K, V][] {
  return order.flatMap((key) => (map.has(key) ? [[key, map.get(key)!] as [K, V]] : []));
}
