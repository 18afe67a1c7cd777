import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DatasetLabel, DatasetPrediction } from '../contracts/dataset-label.ts';
import { upgradeDatasetLabelV1 } from '../contracts/migrate-dataset-label-v1.ts';
import { DatasetLabelV1 } from '../contracts/v1/dataset-label.ts';
import { DatasetInputError } from '../errors/dataset-input-error.ts';

/**
 * Reads an NDJSON file of labels or predictions; a line that is not JSON or breaks the shape names
 * its line and field. A label line without `schema_version` is version 1, read and upgraded.
 */
export async function readLines<S extends typeof DatasetLabel | typeof DatasetPrediction>(
  file: string,
  schema: S,
): Promise<z.infer<S>[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new DatasetInputError({
      file,
      message: `cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the path`,
      cause: error,
    });
  }
  const what = schema === DatasetLabel ? 'labels' : 'predictions';
  const out: z.infer<S>[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      throw new DatasetInputError({
        file,
        line,
        message: `not JSON (${(error as Error).message}); each line must be one JSON object of the ${what}' shape`,
      });
    }
    const v1 = schema === DatasetLabel && isObject(json) && !('schema_version' in json);
    const parsed = v1 ? DatasetLabelV1.transform(upgradeDatasetLabelV1).safeParse(json) : schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new DatasetInputError({
        file,
        line,
        message: `${issue.path.length ? issue.path.join('.') : '(the line)'}: ${issue.message} (see docs/analyzers.md for the ${what}' shape)`,
      });
    }
    const id = (parsed.data as { trace_id: string }).trace_id;
    if (seen.has(id))
      throw new DatasetInputError({ file, line, message: `trace_id ${id} is given twice; give one line per trace` });
    seen.add(id);
    out.push(parsed.data as z.infer<S>);
  });
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
