import { randomBytes } from 'node:crypto';
import type { CaptureResult, CaptureSummary } from '../capture/capture-summary.ts';
import { type JobPlan, scenarioDigest } from '../capture/job-plan.ts';
import { MANIFEST_MAX_LAB_ERRORS, type ShardManifest } from '../contracts/shard-manifest.ts';
import type { BuildRecorder } from '../ledger/record-build.ts';
import type { LoadedScenario } from '../scenario/load-scenarios.ts';
import type { Shard } from './shard-slice.ts';

/** What a shard keeps while it runs, for its manifest: the runs it could not run, up to a bound. */
export class ShardRecorder {
  readonly #labErrors: ShardManifest['lab_errors'] = [];
  #omitted = 0;

  labError(result: CaptureResult): void {
    if (!result.lab_error) return;
    if (this.#labErrors.length >= MANIFEST_MAX_LAB_ERRORS) {
      this.#omitted++;
      return;
    }
    this.#labErrors.push({
      scenario_id: result.scenario,
      repeat_index: result.repeat,
      expected: result.expected,
      ...result.lab_error,
    });
  }

  /** The shard's manifest, once every run is done. */
  manifest({
    buildId,
    shard,
    plan,
    scenarios,
    startedAt,
    summary,
    failures,
  }: {
    buildId: string;
    shard: Shard;
    plan: JobPlan;
    scenarios: readonly LoadedScenario[];
    startedAt: string;
    summary: CaptureSummary;
    failures: BuildRecorder;
  }): ShardManifest {
    const labErrors = [...this.#labErrors].sort((a, b) =>
      a.scenario_id < b.scenario_id ? -1 : a.scenario_id > b.scenario_id ? 1 : a.repeat_index - b.repeat_index,
    );
    return {
      schema_version: 1,
      record_type: 'shard_manifest',
      manifest_id: `shard-${shard.index}-of-${shard.count}-${randomBytes(16).toString('hex')}`,
      build_id: buildId,
      shard: { index: shard.index, count: shard.count },
      plan: {
        scenarios: scenarios
          .map((l) => ({ id: l.scenario.id, expected: l.scenario.expected }))
          .sort((a, b) => (a.id < b.id ? -1 : 1)),
        scenario_digest: scenarioDigest(scenarios),
        repeat: plan.repeat,
        runs: plan.total,
        total_runs: plan.planTotal,
      },
      started_at: startedAt,
      ended_at: new Date().toISOString(),
      live: summary.live,
      counts: {
        runs: summary.runs,
        matched: summary.matched,
        mismatched: summary.mismatched,
        stored: summary.stored,
        retrieved: summary.retrieved,
        lab_errors: summary.lab_errors,
      },
      exit_code: summary.exit_code,
      lab_errors: labErrors,
      lab_errors_omitted: this.#omitted,
      failures: failures.snapshot(),
    };
  }
}
