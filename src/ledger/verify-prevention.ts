import type { FailureRecord, PreventionVerification } from '../contracts/failure-record.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import { runWithFailureDetection } from '../detect/run-with-failure-detection.ts';
import { storeKey } from '../contracts/lab-record.ts';
import type { ModelEndpoint } from '../model/model-endpoint.ts';
import type { LoadedScenario } from '../scenario/load-scenarios.ts';
import type { TraceStore } from '../store/trace-store.ts';
import type { Subject } from '../subject/subject.ts';
import { runOccurrence } from './occurrence.ts';

/** What verifying a prevention found: whether both cases hold, why not, and the evidence. */
export interface VerificationResult {
  ok: boolean;
  /** One line per case that did not hold. */
  problems: string[];
  verification: PreventionVerification;
}

/**
 * The prevention verification: the known-bad case (a regression scenario that reproduces the
 * failure) must be detected with the failure's fingerprint, and a compliant control must pass.
 * Both runs are stored in the trace store (their trace ids are the evidence), under the build
 * "verify-<failure_id>".
 */
export async function verifyPrevention({
  record,
  regression,
  control,
  subjects,
  model,
  store,
  secrets,
  at,
  actor,
  projectRoot,
}: {
  record: FailureRecord;
  regression: LoadedScenario;
  control: LoadedScenario;
  subjects: ReadonlyMap<string, Subject>;
  model: ModelEndpoint;
  store: TraceStore;
  secrets: readonly string[];
  at: string;
  actor: string;
  projectRoot: string;
}): Promise<VerificationResult> {
  const buildId = `verify-${record.failure_id}`;
  const run = async ({ scenario }: LoadedScenario): Promise<{ trace: TraceRecord; fingerprint: string | null }> => {
    const subject = subjects.get(scenario.subject)!;
    const { trace, related } = await runWithFailureDetection(subject, scenario, { model, secrets, buildId });
    for (const r of [trace, ...related.failure_traces, ...related.recovery_traces, ...related.fallback_records])
      await store.put(r);
    const back = await store.get(storeKey(trace));
    if (!back) throw new Error(`the verification run ${trace.trace_id} was not stored`);
    return {
      trace,
      fingerprint:
        runOccurrence(trace, related, { file: null, tags: [], triage: scenario.triage })?.fingerprint ?? null,
    };
  };
  const bad = await run(regression);
  const good = await run(control);
  const relative = (file: string) =>
    file.startsWith(projectRoot) ? file.slice(projectRoot.length).replace(/^[\\/]/, '') : file;
  const problems: string[] = [];
  if (bad.trace.detected === null)
    problems.push(
      `the regression scenario ${regression.scenario.id} passed: it does not reproduce the failure (a known-bad case must be detected)`,
    );
  else if (bad.fingerprint !== record.lab.fingerprint)
    problems.push(
      `the regression scenario ${regression.scenario.id} failed differently: fingerprint ${bad.fingerprint} (${bad.trace.failure?.message}), not ${record.lab.fingerprint}`,
    );
  if (good.trace.detected !== null)
    problems.push(
      `the control scenario ${control.scenario.id} failed (${good.trace.failure?.message}): a compliant case must pass`,
    );
  return {
    ok: problems.length === 0,
    problems,
    verification: {
      verified_at: at,
      actor,
      regression: {
        scenario_id: regression.scenario.id,
        file: relative(regression.file),
        trace_id: bad.trace.trace_id,
        detected: bad.trace.detected,
        fingerprint: bad.fingerprint,
      },
      control: {
        scenario_id: control.scenario.id,
        file: relative(control.file),
        trace_id: good.trace.trace_id,
        detected: good.trace.detected,
      },
    },
  };
}
