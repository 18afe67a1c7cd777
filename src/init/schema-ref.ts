import path from 'node:path';
import { LAB_ROOT } from '../config/project-config.ts';

/**
 * The `$schema` of a scenario file written into `folder`: the path from there to the lab's
 * scenario schema (in this repository schemas/, in a project node_modules/agent-failure-lab/schemas/),
 * so an editor finds it wherever the file is.
 */
export function scenarioSchemaRef(folder: string): string {
  const relative = path.relative(folder, path.join(LAB_ROOT, 'schemas', 'scenario.schema.json'));
  return relative.split(path.sep).join('/');
}
