import type { RecoveryStep, TraceStep } from '../contracts/trace-step.ts';

/** The recovery actions that answered one failure, and how they left it. */
export interface Episode {
  episode: number;
  trigger: RecoveryStep['trigger'];
  /** In the order they began. */
  actions: RecoveryStep[];
  /** A fallback other than one of equal confidence (confidence_impact "none"), an escalation, or a partial outcome: the answer is not the one the primary path would have given. */
  degraded: boolean;
  /** The last action failed (or never ended): the failure was not dealt with. */
  unresolved: boolean;
}

/** A run's recovery episodes, from its recovery steps, in episode order. */
export function episodesOf(steps: readonly TraceStep[]): Episode[] {
  const byId = new Map<number, Episode>();
  for (const step of steps) {
    if (step.type !== 'recovery') continue;
    let episode = byId.get(step.episode);
    if (!episode)
      byId.set(
        step.episode,
        (episode = { episode: step.episode, trigger: step.trigger, actions: [], degraded: false, unresolved: false }),
      );
    episode.actions.push(step);
  }
  for (const episode of byId.values()) {
    const last = episode.actions.at(-1)!;
    episode.unresolved = last.outcome === 'failure' || last.outcome === null;
    episode.degraded = episode.actions.some(
      (a) =>
        a.outcome === 'partial' ||
        (a.action === 'escalate' && a.outcome === 'success') ||
        (a.action === 'fallback' && a.outcome === 'success' && a.fallback?.confidence_impact !== 'none'),
    );
  }
  return [...byId.values()].sort((a, b) => a.episode - b.episode);
}

/** The first episode the run did not recover from (degraded or unresolved) that started from a failure; null if none. */
export function firstUnrecovered(steps: readonly TraceStep[]): Episode | null {
  return (
    episodesOf(steps).find(
      (e) => (e.degraded || e.unresolved) && (e.trigger.step_index !== null || e.trigger.message !== null),
    ) ?? null
  );
}
