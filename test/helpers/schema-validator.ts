import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { recordTypeOf, type RecordType } from '../../src/contracts/lab-record.ts';
import { ROOT } from './run-cli.ts';

const FILES: Record<RecordType, string> = {
  trace_record: 'trace-record',
  failure_trace: 'failure-trace',
  recovery_trace: 'recovery-trace',
  fallback: 'fallback-record',
  shard_manifest: 'shard-manifest',
};

/** Validates any stored record against its committed JSON Schema (chosen by trace_type / record_type); returns the errors, or null when valid. */
export async function committedSchemaValidator(): Promise<
  (record: unknown) => { type: RecordType; errors: string | null }
> {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv
    .addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)
    .addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  const validators = Object.fromEntries(
    await Promise.all(
      Object.entries(FILES).map(async ([type, file]) => [
        type,
        ajv.compile(JSON.parse(await readFile(path.join(ROOT, 'schemas', `${file}.schema.json`), 'utf8'))),
      ]),
    ),
  );
  return (record) => {
    const type = recordTypeOf(record);
    const validate = validators[type]!;
    return { type, errors: validate(record) ? null : JSON.stringify(validate.errors) };
  };
}

/** A validator for one committed JSON Schema by its file stem in schemas/ (e.g. "failure-record"); returns the errors, or null when valid. */
export async function schemaValidator(name: string): Promise<(value: unknown) => string | null> {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv
    .addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i)
    .addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)))
    .addFormat('date', (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s));
  const validate = ajv.compile(JSON.parse(await readFile(path.join(ROOT, 'schemas', `${name}.schema.json`), 'utf8')));
  return (value) => (validate(value) ? null : JSON.stringify(validate.errors));
}
