import path from 'node:path';
import type { Scenario } from '../../src/contracts/scenario.ts';
import { type DetectionResult, runWithFailureDetection } from '../../src/detect/run-with-failure-detection.ts';
import type { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import type { Subject } from '../../src/subject/subject.ts';
import { ROOT } from '../helpers/run-cli.ts';

/** The shipped subjects and the shipped framework scenarios (ids starting with fw-), loaded once per test file. */
export async function frameworkScenarios(): Promise<{
  subjects: Map<string, Subject>;
  scenarios: Map<string, Scenario>;
}> {
  const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
  const loaded = await loadScenarios(path.join(ROOT, 'scenarios'), subjects);
  return {
    subjects,
    scenarios: new Map(loaded.filter((l) => l.scenario.id.startsWith('fw-')).map((l) => [l.scenario.id, l.scenario])),
  };
}

/** Runs one shipped framework scenario inline against the scripted server. */
export function runScenario(
  fixtures: { subjects: Map<string, Subject>; scenarios: Map<string, Scenario> },
  server: ScriptedModelServer,
  id: string,
  options: Partial<Parameters<typeof runWithFailureDetection>[2]> = {},
): Promise<DetectionResult> {
  const scenario = fixtures.scenarios.get(id);
  if (!scenario) throw new Error(`no scenario ${id}`);
  return runWithFailureDetection(fixtures.subjects.get(scenario.subject)!, scenario, { model: server, ...options });
}
