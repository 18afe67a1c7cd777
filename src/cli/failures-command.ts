import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  FAILURE_CATEGORIES,
  type FailureRecord,
  RESOLUTION_TYPES,
  SEVERITIES,
  STATUSES,
} from '../contracts/failure-record.ts';
import type { TraceRecord } from '../contracts/trace-record.ts';
import { ConflictError } from '../errors/conflict-error.ts';
import { UsageError } from '../errors/usage-error.ts';
import { createRedactor, redactedCopy, secretsFromEnv } from '../internal/redact.ts';
import { actorOf, ledgerNow } from '../ledger/ledger-settings.ts';
import { transition } from '../ledger/lifecycle.ts';
import { reproduceScenario } from '../ledger/reproduce.ts';
import { checkOutFile } from './out-path.ts';
import { verifyPrevention } from '../ledger/verify-prevention.ts';
import type { FailureLedger, FailureQuery } from '../ledger-store/failure-ledger.ts';
import { ScriptedModelServer } from '../model/scripted-server.ts';
import { type LoadedScenario, parseScenario } from '../scenario/load-scenarios.ts';
import { loadSubjects } from '../scenario/load-subjects.ts';
import type { ScenarioProblem } from '../errors/scenario-set-error.ts';
import { ScenarioSetError } from '../errors/scenario-set-error.ts';
import { openStore } from '../store/stores.ts';
import type { OpenMode } from '../internal/derived-index.ts';
import { workerPoolsLoaded } from '../execute/pool-state.ts';
import { subjectsDirOf } from '../config/project-config.ts';
import { scenarioSchemaRef } from '../init/schema-ref.ts';
import type { CliIo } from './io.ts';
import { SkippedRecords } from './skipped-records.ts';
import { type CommandSpec, helpText, intOption, type OptionSpec, type OptionValues, parseCommand } from './options.ts';
import {
  checkStoreToRead,
  memoryStoreNote,
  noteIfMemory,
  openLedgerToRead,
  projectOptions,
  storeDir,
  storeFlags,
  storeName,
  storeOptions,
} from './store-options.ts';
import { Uuid } from '../contracts/common.ts';

const common: Record<string, OptionSpec> = {
  ...storeOptions,
  subjects: projectOptions.subjects,
  json: { type: 'boolean', help: 'print JSON (one record per line)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};
const idArg = [{ name: 'ID', help: 'the failure_id of the record' }];
const change: Record<string, OptionSpec> = {
  actor: { type: 'string', value: 'NAME', help: 'who makes the change (default LAB_ACTOR, else your user name)' },
  note: { type: 'string', value: 'TEXT', help: 'a note kept with the change in the status history' },
  'if-revision': {
    type: 'string',
    value: 'N',
    help: 'write only if the record is still at this revision (as you last read it); else exit 3',
  },
};

/** The failures subcommands, declared as data so --help and parsing cannot drift apart. */
export const FailuresMap = {
  list: {
    spec: {
      name: 'failures list',
      summary:
        'Lists failure records, oldest first: id, status, severity, category, occurrences, scenario and summary.',
      options: {
        ...common,
        status: { type: 'string', value: 'S[,S]', help: `only these statuses: ${STATUSES.join(', ')}` },
        category: { type: 'string', value: 'C', help: `only this category: ${FAILURE_CATEGORIES.join(', ')}` },
        severity: { type: 'string', value: 'V', help: `only this severity: ${SEVERITIES.join(', ')}` },
        overdue: {
          type: 'boolean',
          help: 'only records past their SLA and not yet RESOLVED or PREVENTED (at LAB_NOW, else now)',
        },
        'build-id': { type: 'string', value: 'ID', help: 'only records of this build' },
        fingerprint: { type: 'string', value: 'FP', help: 'only occurrences of this failure' },
      },
    },
    run: listFailures,
  },
  show: {
    spec: { name: 'failures show', summary: 'Shows one failure record whole.', options: common, positionals: idArg },
    run: showFailure,
  },
  update: {
    spec: {
      name: 'failures update',
      summary:
        'Changes a failure record (one compare-and-swap): its status (OPEN, INVESTIGATING; RESOLVED through `resolve`, PREVENTED through `prevent`), owner, root cause, prevention, lessons, tags.',
      positionals: idArg,
      options: {
        ...common,
        ...change,
        status: {
          type: 'string',
          value: 'S',
          help: "the new status (the allowed moves are in the README's lifecycle)",
        },
        owner: { type: 'string', value: 'NAME', help: 'who owns it' },
        'analysis-status': {
          type: 'string',
          value: 'S',
          help: 'root_cause.analysis_status: PENDING, IN_PROGRESS, COMPLETE',
        },
        'root-cause': { type: 'string', value: 'TEXT', help: 'root_cause.root_cause_summary' },
        factor: { type: 'string', value: 'TEXT', multiple: true, help: 'add a contributing factor' },
        'why-not-prevented': { type: 'string', value: 'TEXT', help: 'root_cause.why_not_prevented' },
        prevention: { type: 'string', value: 'TEXT', multiple: true, help: 'add a prevention measure taken' },
        lesson: { type: 'string', value: 'TEXT', multiple: true, help: 'add a lesson learned' },
        tag: { type: 'string', value: 'TAG', multiple: true, help: 'add a tag' },
      },
    },
    run: updateFailureCommand,
  },
  resolve: {
    spec: {
      name: 'failures resolve',
      summary: 'Marks an INVESTIGATING failure RESOLVED, with its resolution.',
      positionals: idArg,
      options: {
        ...common,
        ...change,
        type: { type: 'string', value: 'T', help: `resolution_type: ${RESOLUTION_TYPES.join(', ')}` },
        description: { type: 'string', value: 'TEXT', help: 'resolution_description: what was done' },
        commit: { type: 'string', value: 'SHA', help: 'resolution_commit' },
        pr: { type: 'string', value: 'N', help: 'resolution_pr' },
      },
    },
    run: resolveFailure,
  },
  prevent: {
    spec: {
      name: 'failures prevent',
      summary:
        "Verifies a prevention and marks a RESOLVED failure PREVENTED: the regression scenario (the known-bad case) must be detected with the failure's fingerprint, and the control scenario must pass. The two runs are stored as evidence.",
      positionals: idArg,
      options: {
        ...common,
        ...change,
        regression: {
          type: 'string',
          value: 'FILE',
          help: 'a scenario file that reproduces the failure (see `failures reproduce`)',
        },
        control: { type: 'string', value: 'FILE', help: 'a compliant scenario file that must pass' },
      },
    },
    run: preventFailure,
  },
  reproduce: {
    spec: {
      name: 'failures reproduce',
      summary:
        'Writes a scenario file that replays the failed run (captured with --record-replies): its model replies and tool results as fixtures, its detected kind as the expected one.',
      positionals: idArg,
      options: {
        ...common,
        out: {
          type: 'string',
          value: 'FILE',
          help: 'where to write it (default: <id>.json beside the scenario the run came from)',
        },
        force: { type: 'boolean', help: 'overwrite an existing file' },
      },
    },
    run: reproduceFailure,
  },
} satisfies Record<
  string,
  { spec: CommandSpec; run: (values: OptionValues & { _: string[] }, io: CliIo) => Promise<number> }
>;

const USAGE = `Usage: npm run lab -- failures <command> [options]

The failure ledger: every failure a capture detected, categorized, tracked to prevention.

Commands:
${Object.entries(FailuresMap)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.spec.summary.split('. ')[0]!.replace(/\.$/, '')}`)
  .join('\n')}

Run 'npm run lab -- failures <command> --help' for a command's options.
Exit codes: 0 done; 1 a record or store could not be read, or a prevention did not verify;
            2 bad input (an unknown id or one that is not a UUID, an illegal
            transition, a bad flag, a --dir that holds no store); 3 a conflict: the
            record changed since it was read (read it again and retry).`;

/** Runs `failures <command>`; returns the exit code. */
export async function failuresCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (!Object.hasOwn(FailuresMap, sub))
    throw new UsageError({
      message: `unknown failures command "${sub}". Available: ${Object.keys(FailuresMap).join(', ')}`,
    });
  const { spec, run } = FailuresMap[sub as keyof typeof FailuresMap] as {
    spec: CommandSpec;
    run: (values: OptionValues & { _: string[] }, io: CliIo) => Promise<number>;
  };
  const values = parseCommand<OptionValues>(spec, rest, io.env);
  if (values.help) {
    io.out(
      helpText(
        spec,
        `Usage: npm run lab -- ${spec.name}${spec.positionals ? ` ${spec.positionals.map((p) => p.name).join(' ')}` : ''} [options]`,
      ),
    );
    return 0;
  }
  return run(values, io);
}

/** Opens the ledger the flags name, runs fn, closes it. */
async function withLedger<T>(
  values: OptionValues,
  io: CliIo,
  fn: (ledger: FailureLedger) => Promise<T>,
  { mode = 'write', skips }: { mode?: OpenMode; skips?: SkippedRecords } = {},
): Promise<T> {
  // Never creates a store: a mistyped --dir is exit 2, whether the command reads or writes.
  const ledger = await openLedgerToRead(values, io, { mode, ...(skips ? { onSkip: skips.onSkip } : {}) });
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

function requireId(values: { _: string[] }, name: string): string {
  const id = values._[0];
  if (!id) throw new UsageError({ message: `${name} needs the failure_id of a record (see failures list)` });
  // Every failure id is a UUID (the contract's failure_id): anything else is bad input on every store.
  if (!Uuid.safeParse(id).success)
    throw new UsageError({
      message: `${name}: "${id}" is not a failure id; a failure id is a UUID, as failures list prints it`,
    });
  return id;
}

async function existing(ledger: FailureLedger, id: string): Promise<FailureRecord> {
  const record = await ledger.get(id);
  if (!record)
    throw new UsageError({
      message: `no failure record ${id} in the ${ledger.name} ledger (see failures list)${ledger.name === 'memory' ? `; ${memoryStoreNote()}` : ''}`,
    });
  return record;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value as T))
    throw new UsageError({ message: `--${flag} must be one of ${allowed.join(', ')}, got "${String(value)}"` });
  return value as T;
}

async function listFailures(values: OptionValues, io: CliIo): Promise<number> {
  const query: FailureQuery = { limit: 500 };
  if (typeof values.status === 'string')
    query.status = values.status.split(',').map((s) => oneOf(s.trim(), STATUSES, 'status')!);
  query.category = oneOf(values.category, FAILURE_CATEGORIES, 'category');
  query.severity = oneOf(values.severity, SEVERITIES, 'severity');
  if (values.overdue) query.overdue_at = ledgerNow(io.env);
  if (typeof values['build-id'] === 'string') query.build_id = values['build-id'];
  if (typeof values.fingerprint === 'string') query.fingerprint = values.fingerprint;
  let count = 0;
  noteIfMemory(storeName(values), io);
  const skips = new SkippedRecords(io);
  await withLedger(
    values,
    io,
    async (ledger) => {
      let cursor: string | null = null;
      do {
        const page = await ledger.query({ ...query, cursor });
        for (const r of page.records) io.out(values.json ? JSON.stringify(r) : listLine(r));
        count += page.records.length;
        cursor = page.cursor;
      } while (cursor);
    },
    { mode: 'read', skips },
  );
  if (!values.json)
    io.out(
      `${count} failure record${count === 1 ? '' : 's'}${skips.count > 0 ? ` (${skips.count} skipped: not readable)` : ''}`,
    );
  return skips.finish(0);
}

function listLine(r: FailureRecord): string {
  const repeat = r.repetition_tracking.is_repeat ? ` repeat ${r.repetition_tracking.repeat_count + 1}` : '';
  return `${r.failure_id}  ${r.status.padEnd(13)} ${r.severity.padEnd(8)} ${`${r.category}/${r.subcategory}`.padEnd(40)} ×${String(r.lab.occurrences.count).padEnd(4)} ${r.timestamp.slice(0, 16)}  ${r.lab.scenario_id ?? '-'}${repeat}\n    ${r.failure_description.summary}`;
}

async function showFailure(values: OptionValues & { _: string[] }, io: CliIo): Promise<number> {
  const id = requireId(values, 'failures show');
  const record = await withLedger(values, io, (ledger) => existing(ledger, id), { mode: 'read' });
  io.out(values.json ? JSON.stringify(record) : showText(record));
  return 0;
}

function showText(r: FailureRecord): string {
  const list = (items: readonly string[]) => (items.length ? items.map((i) => `\n    - ${i}`).join('') : ' none');
  return [
    `failure ${r.failure_id} (revision ${r.lab.revision})`,
    `  ${r.status}  ${r.severity} (${r.metadata.priority}, resolve by ${r.metadata.sla_resolution_target})  ${r.category} / ${r.subcategory}  [rule ${r.lab.rule}]`,
    `  build ${r.build_id} at ${r.timestamp}; owner ${r.metadata.owner ?? '(none)'}`,
    `  ${r.failure_description.summary}`,
    `  error: ${r.failure_description.error_message}`,
    `  component ${r.context.component}; scenario ${r.lab.scenario_id ?? '-'} (${r.context.file_path ?? '-'}); subject ${r.lab.subject_id ?? '-'}`,
    `  trace ${r.lab.trace_id ?? '-'}; failure traces ${r.lab.failure_trace_ids.join(', ') || '-'}; ${r.lab.occurrences.count} run(s) in the build`,
    `  fingerprint ${r.lab.fingerprint}; ${r.repetition_tracking.is_repeat ? `repeat: ${r.repetition_tracking.repeat_count} earlier occurrence(s), the last ${r.repetition_tracking.days_since_last_occurrence} day(s) before` : 'first occurrence'}${r.lab.regression ? `; a regression of ${r.lab.regression.of}` : ''}`,
    `  root cause (${r.root_cause.analysis_status}): ${r.root_cause.root_cause_summary ?? '(not yet)'}`,
    `  contributing factors:${list(r.root_cause.contributing_factors)}`,
    `  prevention:${list(r.prevention.prevention_measures)}`,
    `  tests added:${list(r.prevention.test_additions)}`,
    `  escalations:${list(r.lab.escalations.map((e) => `occurrence ${e.occurrence} to ${e.level === 'build_owner' ? 'the build owner' : 'the escalation contact'} ${e.to ?? '(not configured)'} (${e.at})`))}`,
    `  history:${list(r.lab.status_history.map((h) => `${h.at} ${h.from ?? 'new'} -> ${h.to} by ${h.actor}${h.build_id ? ` in ${h.build_id}` : ''}${h.note ? `: ${h.note}` : ''}`))}`,
  ].join('\n');
}

/** Applies a change by hand: one compare-and-swap, on the revision read (or --if-revision). A lost race exits 3. */
async function changeRecord(
  values: OptionValues & { _: string[] },
  io: CliIo,
  name: string,
  apply: (record: FailureRecord, at: string, actor: string) => FailureRecord,
): Promise<number> {
  const id = requireId(values, name);
  const ifRevision = intOption(values, 'if-revision', { min: 1 });
  const at = ledgerNow(io.env);
  const actor = actorOf(typeof values.actor === 'string' ? values.actor : undefined, io.env);
  const stored = await withLedger(values, io, async (ledger) => {
    const current = await existing(ledger, id);
    if (ifRevision !== undefined && current.lab.revision !== ifRevision)
      throw new ConflictError({
        recordKey: id,
        message: `it is at revision ${current.lab.revision}, not ${ifRevision}: someone changed it since you read it; read it again (npm run lab -- failures show ${id} ${storeFlags(values, io)})`,
      });
    const changed = apply(structuredClone(current), at, actor);
    const next = { ...changed, lab: { ...changed.lab, revision: current.lab.revision + 1 } };
    await ledger.replace(next, current.lab.revision);
    return next;
  });
  io.out(values.json ? JSON.stringify(stored) : `failure ${id}: ${stored.status}, revision ${stored.lab.revision}`);
  return 0;
}

async function updateFailureCommand(values: OptionValues & { _: string[] }, io: CliIo): Promise<number> {
  const status = oneOf(values.status, STATUSES, 'status');
  const analysis = oneOf(values['analysis-status'], ['PENDING', 'IN_PROGRESS', 'COMPLETE'] as const, 'analysis-status');
  const list = (flag: string) => (Array.isArray(values[flag]) ? (values[flag] as string[]) : []);
  const changes = [
    status,
    values.owner,
    analysis,
    values['root-cause'],
    values['why-not-prevented'],
    ...list('factor'),
    ...list('prevention'),
    ...list('lesson'),
    ...list('tag'),
    values.note,
  ].filter((v) => v !== undefined);
  if (changes.length === 0)
    throw new UsageError({
      message:
        'failures update: nothing to change; give --status, --owner, --root-cause, --factor, --prevention, --lesson, --tag or --note (see --help)',
    });
  return changeRecord(values, io, 'failures update', (r, at, actor) => {
    const note = typeof values.note === 'string' ? values.note : null;
    let next: FailureRecord = {
      ...r,
      metadata: {
        ...r.metadata,
        owner: typeof values.owner === 'string' ? values.owner : r.metadata.owner,
        tags: [...new Set([...r.metadata.tags, ...list('tag')])],
      },
      root_cause: {
        ...r.root_cause,
        analysis_status: analysis ?? r.root_cause.analysis_status,
        root_cause_summary:
          typeof values['root-cause'] === 'string' ? values['root-cause'] : r.root_cause.root_cause_summary,
        contributing_factors: [...r.root_cause.contributing_factors, ...list('factor')],
        why_not_prevented:
          typeof values['why-not-prevented'] === 'string'
            ? values['why-not-prevented']
            : r.root_cause.why_not_prevented,
      },
      prevention: {
        ...r.prevention,
        prevention_measures: [...r.prevention.prevention_measures, ...list('prevention')],
      },
      learning: { ...r.learning, lessons_learned: [...r.learning.lessons_learned, ...list('lesson')] },
    };
    if (status === r.status) throw new UsageError({ message: `failure ${r.failure_id} is already ${r.status}` });
    if (status) {
      if (status === 'RESOLVED')
        throw new UsageError({
          message: `failure ${r.failure_id}: use \`failures resolve ${r.failure_id} --type TYPE --description TEXT\` to resolve it (a resolution needs its type and description)`,
        });
      next = transition(next, status, { at, actor, note });
    } else if (note) {
      next = {
        ...next,
        lab: {
          ...next.lab,
          status_history: [
            ...next.lab.status_history,
            { from: r.status, to: r.status, at, actor, note, build_id: null },
          ],
        },
      };
    }
    return next;
  });
}

async function resolveFailure(values: OptionValues & { _: string[] }, io: CliIo): Promise<number> {
  const type = oneOf(values.type, RESOLUTION_TYPES, 'type');
  if (!type || typeof values.description !== 'string')
    throw new UsageError({ message: 'failures resolve needs --type TYPE and --description TEXT' });
  return changeRecord(values, io, 'failures resolve', (r, at, actor) => {
    const resolved = transition(r, 'RESOLVED', {
      at,
      actor,
      note: typeof values.note === 'string' ? values.note : null,
    });
    return {
      ...resolved,
      resolution: {
        resolution_type: type,
        resolution_description: values.description as string,
        resolution_commit: typeof values.commit === 'string' ? values.commit : null,
        resolution_pr: typeof values.pr === 'string' ? values.pr : null,
        resolution_timestamp: at,
        resolved_by: actor,
      },
    };
  });
}

/** Loads one scenario file, checked like every scenario (syntax, contract, subject, static checks). */
async function loadScenarioFile(
  file: string,
  subjects: Awaited<ReturnType<typeof loadSubjects>>,
): Promise<LoadedScenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError({ message: `cannot read the scenario file ${file}` });
  }
  const problems: ScenarioProblem[] = [];
  const scenario = parseScenario(file, text, subjects, problems);
  if (!scenario || problems.length > 0) throw new ScenarioSetError({ problems });
  return { file, scenario };
}

async function preventFailure(values: OptionValues & { _: string[] }, io: CliIo): Promise<number> {
  const id = requireId(values, 'failures prevent');
  if (typeof values.regression !== 'string' || typeof values.control !== 'string')
    throw new UsageError({
      message: 'failures prevent needs --regression FILE (the known-bad case) and --control FILE (a compliant case)',
    });
  const subjects = await loadSubjects(subjectsDirOf(values.subjects, io.cwd));
  const regression = await loadScenarioFile(path.resolve(io.cwd, values.regression), subjects);
  const control = await loadScenarioFile(path.resolve(io.cwd, values.control), subjects);
  const at = ledgerNow(io.env);
  const actor = actorOf(typeof values.actor === 'string' ? values.actor : undefined, io.env);
  const name = storeName(values);
  checkStoreToRead(values, io); // Before the store is opened, which would create it.
  const store = await openStore(name, { env: io.env, dir: storeDir(values, io) });
  const server = await ScriptedModelServer.start();
  try {
    return await withLedger(values, io, async (ledger) => {
      const record = await existing(ledger, id);
      if (record.status !== 'RESOLVED') transition(record, 'PREVENTED', { at, actor, verified: true }); // Throws naming the allowed moves.
      const result = await verifyPrevention({
        record,
        regression,
        control,
        subjects,
        model: server,
        store,
        secrets: secretsFromEnv(io.env),
        at,
        actor,
        projectRoot: io.cwd,
      });
      if (!result.ok) {
        io.err(`failure ${id} is not prevented yet:\n${result.problems.map((p) => `  - ${p}`).join('\n')}`);
        return 1;
      }
      const ifRevision = intOption(values, 'if-revision', { min: 1 });
      if (ifRevision !== undefined && record.lab.revision !== ifRevision)
        throw new ConflictError({
          recordKey: id,
          message: `it is at revision ${record.lab.revision}, not ${ifRevision}`,
        });
      const prevented = transition(record, 'PREVENTED', {
        at,
        actor,
        note:
          typeof values.note === 'string'
            ? values.note
            : `verified: ${regression.scenario.id} detected with the same fingerprint, ${control.scenario.id} passed`,
        verified: true,
      });
      const next: FailureRecord = {
        ...prevented,
        prevention: {
          ...prevented.prevention,
          test_additions: [
            ...new Set([
              ...prevented.prevention.test_additions,
              result.verification.regression.file,
              result.verification.control.file,
            ]),
          ],
        },
        lab: { ...prevented.lab, verification: result.verification, revision: record.lab.revision + 1 },
      };
      await ledger.replace(next, record.lab.revision);
      io.out(
        values.json
          ? JSON.stringify(next)
          : `failure ${id}: PREVENTED, verified by ${regression.scenario.id} (trace ${result.verification.regression.trace_id}) and ${control.scenario.id} (trace ${result.verification.control.trace_id})`,
      );
      return 0;
    });
  } finally {
    await server.close();
    await store.close();
    if (workerPoolsLoaded()) await (await import('../execute/worker-pool.ts')).workerPools.close();
  }
}

async function reproduceFailure(values: OptionValues & { _: string[] }, io: CliIo): Promise<number> {
  const id = requireId(values, 'failures reproduce');
  // A file that cannot be written fails first, as bad input (exit 2), not after the work.
  if (typeof values.out === 'string') checkOutFile('--out', values.out, io.cwd);
  const name = storeName(values);
  const dir = storeDir(values, io);
  const record = await withLedger(values, io, (ledger) => existing(ledger, id), { mode: 'read' });
  if (!record.lab.trace_id)
    throw new UsageError({
      message: `failure ${id} has no run to replay (it is a failure of the capture itself: ${record.failure_description.summary})`,
    });
  const store = await openStore(name, { env: io.env, dir, mode: 'read' });
  let trace: TraceRecord | undefined;
  try {
    const runKey = record.lab.source === 'run' ? record.failure_id : undefined;
    trace =
      (runKey ? ((await store.get(runKey)) as TraceRecord | undefined) : undefined) ??
      (await findRun(store, record.lab.trace_id));
  } finally {
    await store.close();
  }
  if (!trace)
    throw new UsageError({ message: `the run ${record.lab.trace_id} of failure ${id} is not in the ${name} store` });
  // Beside the scenario the run came from (its file as the ledger recorded it), else --out.
  const folder = scenarioFolderOf(record.context.file_path, io);
  const draft = reproduceScenario(record, trace);
  const out = path.resolve(io.cwd, typeof values.out === 'string' ? values.out : path.join(folder, `${draft.id}.json`));
  // Records are redacted as they are stored, but one stored before a secret was configured (or by
  // an older lab) may still hold it: the file is redacted again before it is written.
  const scenario = redactedCopy(
    reproduceScenario(record, trace, { $schema: scenarioSchemaRef(path.dirname(out)) }),
    createRedactor(secretsFromEnv(io.env)),
  ) as ReturnType<typeof reproduceScenario>;
  const subjects = await loadSubjects(subjectsDirOf(values.subjects, io.cwd));
  const problems: ScenarioProblem[] = [];
  parseScenario(out, JSON.stringify(scenario), subjects, problems);
  if (problems.length > 0) throw new ScenarioSetError({ problems });
  if (existsSync(out) && !values.force)
    throw new UsageError({ message: `${out} exists; pass --force to overwrite it, or --out FILE` });
  await writeFile(out, `${JSON.stringify(scenario, null, 2)}\n`);
  io.out(
    values.json
      ? JSON.stringify({ file: out, id: scenario.id, expected: scenario.expected })
      : `wrote ${path.relative(io.cwd, out)} (scenario ${scenario.id}, expected ${scenario.expected ?? 'pass'})`,
  );
  return 0;
}

/**
 * The folder of the scenario a failure's run came from: its file as the ledger recorded it (relative
 * to where the capture ran), when that folder exists from here; else the scenarios folder (the
 * project config's, or LAB_SCENARIOS), else scenarios/.
 */
function scenarioFolderOf(file: string | null, io: CliIo): string {
  if (file) {
    const folder = path.resolve(io.cwd, path.dirname(file));
    if (existsSync(folder)) return folder;
  }
  return path.resolve(io.cwd, io.env.LAB_SCENARIOS || 'scenarios');
}

/** A run by trace id (for a failure of the capture, whose record key is not the run's). */
async function findRun(
  store: Awaited<ReturnType<typeof openStore>>,
  traceId: string,
): Promise<TraceRecord | undefined> {
  const direct = (await store.get(traceId)) as TraceRecord | undefined;
  if (direct) return direct;
  let cursor: string | null = null;
  do {
    const page: { records: TraceRecord[]; cursor: string | null } = await store.query({ limit: 500, cursor });
    const found = page.records.find((r) => r.trace_id === traceId);
    if (found) return found;
    cursor = page.cursor;
  } while (cursor);
  return undefined;
}
