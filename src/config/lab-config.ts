import { z } from 'zod';

/**
 * A project's lab.config.ts (or .js, .mjs, .json): the settings a project fixes once. Folders are
 * relative to the config file. Flags and environment variables still win over it (flags, then
 * environment, then this file, then the lab's defaults): see docs/own-agent.md.
 */
export const LabConfigSchema = z.strictObject({
  /** The folder of subject files (each default-exports defineSubject(...), its id the file's name). */
  subjects: z.string().min(1).optional(),
  /** The folder of scenario files. */
  scenarios: z.string().min(1).optional(),
  /** The trace store: memory, files or cosmos. */
  store: z.enum(['memory', 'files', 'cosmos']).optional(),
  /** The folder of the files store. */
  dir: z.string().min(1).optional(),
  /** Runs at once in a capture. */
  concurrency: z.int().min(1).max(256).optional(),
  /** inline or worker, for scenarios that set no isolation. */
  isolation: z.enum(['inline', 'worker']).optional(),
  /** Keep every model exchange whole in the records, so `failures reproduce` can replay any run. */
  recordReplies: z.boolean().optional(),
  /** The failure ledger. */
  ledger: z
    .strictObject({
      /** false: capture records no build in the ledger (as --no-ledger). */
      enabled: z.boolean().optional(),
      /** How far back an earlier occurrence counts as a repeat, in days. */
      repeatWindowDays: z.int().min(0).optional(),
      /** Who a second occurrence is escalated to. */
      buildOwner: z.string().min(1).optional(),
      /** Who a third and later occurrence is escalated to. */
      escalationContact: z.string().min(1).optional(),
    })
    .optional(),
});

/** A project's lab config, as written. */
export type LabConfig = z.input<typeof LabConfigSchema>;

/** Types a project's config (an identity function, as vitest's and Playwright's defineConfig). */
export function defineConfig(config: LabConfig): LabConfig {
  return config;
}
