import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { runCapture } from '../../src/capture/run-capture.ts';
import type { TraceRecord } from '../../src/contracts/trace-record.ts';
import { ScriptedModelServer } from '../../src/model/scripted-server.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { loadSubjects } from '../../src/scenario/load-subjects.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { subjectJsonSchemas } from '../../src/subject/subject-schemas.ts';
import { ROOT } from '../helpers/run-cli.ts';
import { queryAll } from '../store/trace-store-contract.ts';

/** The output with one change: a key added to, or dropped from, one of its objects (the root or any nested one). */
function variants(value: unknown): { change: string; value: unknown }[] {
  const out: { change: string; value: unknown }[] = [];
  const walk = (node: unknown, at: string, replace: (next: unknown) => unknown) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${at}[${i}]`, (next) => replace(node.map((x, j) => (j === i ? next : x)))));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const object = node as Record<string, unknown>;
    out.push({ change: `add ${at}.extra_key`, value: replace({ ...object, extra_key: 'x' }) });
    for (const key of Object.keys(object)) {
      const { [key]: _dropped, ...rest } = object;
      out.push({ change: `drop ${at}.${key}`, value: replace(rest) });
      walk(object[key], `${at}.${key}`, (next) => replace({ ...object, [key]: next }));
    }
  };
  walk(value, '', (next) => next);
  return out;
}

describe("a subject's published output schema is what the lab enforces", () => {
  it('on real outputs of every subject, with a key added and a key dropped, zod and the published JSON Schema (ajv) agree', async () => {
    const subjects = await loadSubjects(path.join(ROOT, 'subjects'));
    // Every shipped scenario that can return an output quickly: timeouts and worker runs return none.
    const scenarios = (await loadScenarios(path.join(ROOT, 'scenarios'), subjects)).filter(
      // MCP subjects start processes a run; test/mcp checks their outputs.
      (l) => l.scenario.expected !== 'timeout' && l.scenario.isolation !== 'worker' && !l.scenario.tags.includes('mcp'),
    );
    const server = await ScriptedModelServer.start();
    const store = new MemoryStore();
    try {
      await runCapture({ scenarios, subjects, store, model: server, concurrency: 8 });
    } finally {
      await server.close();
    }
    const outputs = new Map<string, unknown[]>();
    for (const record of await queryAll<TraceRecord>(store, { limit: 1000 })) {
      if (!record.output || record.output.truncated || record.output.type !== 'object') continue;
      outputs.set(record.subject_id, [...(outputs.get(record.subject_id) ?? []), JSON.parse(record.output.text)]);
    }
    await store.close();
    // Every subject returned at least one object (hostile-agent's are its misbehaviours, still real outputs).
    // MCP subjects are left out above; their outputs' schemas are plain objects checked in test/mcp.
    expect([...outputs.keys()].sort()).toEqual(
      [...subjects.values()]
        .filter((s) => !s.mcp_servers)
        .map((s) => s.id)
        .sort(),
    );

    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const disagreements: string[] = [];
    let compared = 0;
    for (const [id, values] of outputs) {
      const subject = subjects.get(id)!;
      const validate = ajv.compile(subjectJsonSchemas(subject).output_schema);
      for (const output of values) {
        for (const { change, value } of [{ change: 'as returned', value: output }, ...variants(output)]) {
          const parsed = subject.outputSchema.safeParse(value);
          // Refinements (code custom) have no JSON Schema; every other rule must give the same verdict.
          // A command subject's schema is a JSON Schema already: its every issue counts.
          const zodAccepts =
            parsed.success || (!subject.runsAsProcess && parsed.error.issues.every((i) => i.code === 'custom'));
          const ajvAccepts = validate(value);
          compared++;
          if (zodAccepts !== ajvAccepts)
            disagreements.push(
              `${id} ${change}: zod ${zodAccepts ? 'accepts' : 'rejects'}, JSON Schema ${ajvAccepts ? 'accepts' : 'rejects'}`,
            );
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
    expect(disagreements).toEqual([]);
  }, 120_000);
});
