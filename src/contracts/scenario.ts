import { z } from 'zod';
import { FAILURE_KINDS } from './failure-kind.ts';
import { McpScript } from './mcp-fault.ts';
import { ALL_SUBCATEGORIES, FAILURE_CATEGORIES, SEVERITIES, SUBCATEGORIES } from './failure-record.ts';
import { FuzzSpace, McpStartFault, ModelFault, ToolFault, Variant } from './fault.ts';
import { bounded, ms, SCENARIO_BOUNDS } from './scenario-bounds.ts';

export { SCENARIO_BOUNDS } from './scenario-bounds.ts';

/** A fault the scripted model server injects into one reply: the model fault of docs/chaos.md, under its older name. */
export const ReplyFault = ModelFault;
export type ReplyFault = ModelFault;

/** A tool call the scripted model asks for. */
export const ScriptedToolCall = z.strictObject({
  id: z.string().optional().describe('Defaults to call_<reply>_<n>.'),
  name: z.string().min(1),
  arguments: z
    .union([z.record(z.string(), z.unknown()), z.string()])
    .describe('An object (sent as JSON) or a raw string, which may be invalid JSON on purpose.'),
});

/** The fields of a reply that script its answer, which a live reply takes from the real endpoint. */
const LIVE_ANSWER_FIELDS = ['content', 'json', 'tool_calls', 'finish_reason', 'usage'] as const;

/** One reply of the scripted model: what it answers to one HTTP request, in order. */
export const ScriptedReply = z
  .strictObject({
    content: z.string().optional().describe('Assistant text.'),
    json: z.unknown().optional().describe('Assistant text given as JSON; sent as its JSON string.'),
    tool_calls: z.array(ScriptedToolCall).optional(),
    finish_reason: z.enum(['stop', 'length', 'tool_calls', 'content_filter']).optional(),
    usage: z
      .strictObject({
        input_tokens: bounded(0, SCENARIO_BOUNDS.tokens),
        output_tokens: bounded(0, SCENARIO_BOUNDS.tokens),
      })
      .optional(),
    fault: ReplyFault.optional(),
    live: z
      .literal(true)
      .optional()
      .describe(
        'capture --live only: forward this request to the real OPENAI_BASE_URL; a fault here alters (delay_ms, cut_after_chunks) or replaces (status, malformed, hang, endless) the forwarded call. See docs/live.md.',
      ),
    times: bounded(1, SCENARIO_BOUNDS.times)
      .optional()
      .describe('Use this reply for this many consecutive requests (default 1).'),
  })
  .superRefine((reply, ctx) => {
    if (!reply.live) return;
    for (const key of LIVE_ANSWER_FIELDS)
      if (reply[key] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `a live reply is answered by the real endpoint: drop ${key}, or drop live to script the answer`,
        });
  });
export type ScriptedReply = z.infer<typeof ScriptedReply>;

/**
 * What a scripted tool call returns instead of running the subject's implementation: a result,
 * with or without a tool fault. A fixture with a delay or busy time and nothing else (no result,
 * error or hang) delays the real tool: it runs after the wait (docs/chaos.md).
 */
export const ToolFixture = z.strictObject({
  result: z.unknown().optional(),
  ...ToolFault.shape,
});
export type ToolFixture = z.infer<typeof ToolFixture>;

/**
 * One turn of a conversation (docs/chaos-conversations.md): the user's message, the model script
 * that answers the requests made while the subject responds to it, and the tool fixtures of that
 * turn. Requests and tool calls are counted from 1 in each turn.
 */
export const ConversationTurn = z.strictObject({
  user: z.string().min(1).describe('What the user says in this turn.'),
  replies: z
    .array(ScriptedReply)
    .default([])
    .describe("This turn's model script, in order (the shape of model.replies); faults go on its replies."),
  tools: z
    .record(z.string(), z.array(ToolFixture))
    .default({})
    .describe('Per tool, fixtures for its 1st, 2nd, ... call in this turn; calls past the list run the real tool.'),
});
export type ConversationTurn = z.infer<typeof ConversationTurn>;

const outputPath = z
  .string()
  .describe(
    'Path into the output: keys joined by dots, [n] indexes and [*] for every element; "" is the whole output. Checked against the subject\'s output schema when the scenarios load.',
  );
const allowEmpty = z
  .boolean()
  .default(false)
  .describe(
    'Accept an output with nothing at output_path (by default that is flagged: the output states nothing the check could verify).',
  );
const match = z
  .enum(['exact', 'ignore_case', 'normalized'])
  .default('normalized')
  .describe(
    'How strings are compared: exact (same characters), ignore_case, or normalized (Unicode NFKC, case, spacing, typographic quotes and dashes ignored). Default normalized.',
  );

/** A deterministic check that flags output claims its sources do not support (see "Grounding checks" in the README). */
export const GroundingCheck = z.discriminatedUnion('check', [
  z.strictObject({
    check: z.literal('cited_ids_exist'),
    output_path: outputPath,
    context_path: z
      .string()
      .describe(
        "Path into the input selecting the ids that may be cited; it must select something in the scenario's input.",
      ),
    match,
    allow_empty: allowEmpty,
  }),
  z.strictObject({
    check: z.literal('declared_tools_only'),
    output_path: outputPath
      .optional()
      .describe(
        "Also check tool names the output says it used (compared by match; the model's own tool calls are compared exactly, as they are dispatched).",
      ),
    match,
    allow_empty: allowEmpty,
  }),
  z.strictObject({
    check: z.literal('numbers_in_sources'),
    output_path: outputPath,
    source_paths: z
      .array(z.string())
      .default([])
      .describe(
        "Paths into the input whose text counts as a source; each must select something in the scenario's input.",
      ),
    tool_results: z.boolean().default(false).describe('Count the results of tool calls as sources too.'),
    allow_empty: allowEmpty,
  }),
  z.strictObject({
    check: z.literal('quotes_in_sources'),
    output_path: outputPath,
    source_paths: z
      .array(z.string())
      .min(1)
      .describe(
        "Paths into the input whose text counts as a source; each must select something in the scenario's input.",
      ),
    allow_empty: allowEmpty,
  }),
  z.strictObject({
    check: z.literal('ground_truth'),
    output_path: outputPath,
    equals: z
      .unknown()
      .describe(
        'The true value. Numbers match within tolerance; strings by match; anything else must be equal as JSON (key order aside).',
      ),
    tolerance: z
      .number()
      .nonnegative()
      .default(0)
      .describe('Numbers: |output − equals| ≤ tolerance, for the decimals as written (inclusive).'),
    match,
    allow_empty: allowEmpty,
  }),
]);
export type GroundingCheck = z.infer<typeof GroundingCheck>;

/** A scenario's own say in how the ledger triages its failures; each field overrides the rule table's. */
export const Triage = z
  .strictObject({
    category: z.enum(FAILURE_CATEGORIES).optional(),
    subcategory: z.enum(ALL_SUBCATEGORIES).optional(),
    severity: z.enum(SEVERITIES).optional(),
    owner: z.string().min(1).optional().describe("Who owns this scenario's failures (else LAB_BUILD_OWNER)."),
    tags: z.array(z.string()).optional().describe("Added to the failure record's metadata.tags."),
  })
  .superRefine((t, ctx) => {
    if (t.subcategory && !t.category)
      ctx.addIssue({
        code: 'custom',
        path: ['category'],
        message: `give the category of subcategory ${t.subcategory} too`,
      });
    if (t.subcategory && t.category && !(SUBCATEGORIES[t.category] as readonly string[]).includes(t.subcategory)) {
      ctx.addIssue({
        code: 'custom',
        path: ['subcategory'],
        message: `${t.subcategory} is not a subcategory of ${t.category}; choose one of ${SUBCATEGORIES[t.category].join(', ')}`,
      });
    }
  });
export type Triage = z.infer<typeof Triage>;

/** A scenario: one data file that binds a subject to its input, model script, faults, deadline, checks and expected outcome. */
export const Scenario = z.strictObject({
  $schema: z.string().optional(),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  subject: z.string().min(1).describe('The id of a subject in subjects/.'),
  description: z.string().min(1),
  expected: z
    .enum(FAILURE_KINDS, { error: `expected one of ${FAILURE_KINDS.join(', ')}, or null for a control that must pass` })
    .nullable()
    .describe('The kind this scenario fails with, or null for a control that must pass.'),
  deadline_ms: ms(1).default(5000),
  isolation: z
    .enum(['inline', 'worker'])
    .optional()
    .describe(
      'worker: run in a worker thread, terminated at the deadline. Set it for subjects that block the thread, exhaust memory, call process.exit or leave rejections unhandled; such a scenario always runs in a worker. Unset: capture --isolation decides (default inline).',
    ),
  memory_limit_mb: bounded(8, 4096, ' MB')
    .optional()
    .describe(
      "Worker isolation: the heap the subject may use in its thread, in MB (default 128); the thread gets 32 MB more for the lab's own machinery.",
    ),
  input: z.unknown(),
  model: z
    .strictObject({
      name: z.string().default('lab-model'),
      replies: z
        .array(ScriptedReply)
        .default([])
        .superRefine((replies, ctx) => {
          if (replies.some((r) => (r.times ?? 1) > SCENARIO_BOUNDS.times)) return; // Reported at the reply.
          const requests = replies.reduce((n, r) => n + (r.times ?? 1), 0);
          if (requests > SCENARIO_BOUNDS.requests)
            ctx.addIssue({
              code: 'custom',
              message: `the script answers ${requests} requests, \`times\` included; at most ${SCENARIO_BOUNDS.requests.toLocaleString('en-US')}: shorten it (see the bounds in docs/scenarios.md)`,
            });
        }),
    })
    .default({ name: 'lab-model', replies: [] }),
  client: z
    .strictObject({
      max_retries: bounded(0, SCENARIO_BOUNDS.retries)
        .default(0)
        .describe('openai client maxRetries (the SDK default is 2; scenarios say it outright).'),
      timeout_ms: ms(1).optional().describe('openai client per-request timeout.'),
    })
    .default({ max_retries: 0 }),
  tools: z
    .record(z.string(), z.array(ToolFixture.nullable()))
    .default({})
    .describe('Per tool, fixtures for its 1st, 2nd, ... call; null, and calls past the list, run the real tool.'),
  turns: z
    .array(ConversationTurn)
    .min(1, 'give at least one turn, or remove turns for a single-shot scenario')
    .superRefine((turns, ctx) => {
      const replies = turns.flatMap((t) => t.replies);
      if (replies.some((r) => (r.times ?? 1) > SCENARIO_BOUNDS.times)) return; // Reported at the reply.
      const requests = replies.reduce((n, r) => n + (r.times ?? 1), 0);
      if (requests > SCENARIO_BOUNDS.requests)
        ctx.addIssue({
          code: 'custom',
          message: `the turns' scripts answer ${requests} requests, \`times\` included; at most ${SCENARIO_BOUNDS.requests.toLocaleString('en-US')}: shorten them (see the bounds in docs/scenarios.md)`,
        });
    })
    .optional()
    .describe(
      "A conversation: the subject's respond is called once per turn, in order, within one run (docs/chaos-conversations.md). With turns, the model script and tool fixtures go in each turn, not in model.replies and tools.",
    ),
  mcp: McpScript.default({}).describe(
    "Per MCP server of the subject, per tool, what the lab's MCP proxy does to its 1st, 2nd, ... tools/call (docs/chaos-mcp.md); calls past the list go to the real server.",
  ),
  mcp_start: z
    .record(z.string().min(1), McpStartFault.shape.start)
    .optional()
    .describe(
      'Per MCP server of the subject, "fail" to ask that it not start: the agent sees it fail at connect, and the run is labelled as usual, not stopped as a fault of the set-up (docs/chaos-mcp.md).',
    ),
  grounding: z.array(GroundingCheck).default([]),
  tags: z.array(z.string()).default([]),
  triage: Triage.optional().describe(
    "Override the failure ledger's category, subcategory, severity, owner and tags for this scenario's failures.",
  ),
  variants: z
    .array(Variant)
    .optional()
    .describe(
      'Faults placed on this scenario\'s own script; each variant runs as a scenario of its own, "<id>/<variant id>", with its own expected (docs/chaos.md).',
    ),
  fuzz: FuzzSpace.optional().describe(
    'Narrows or widens the fault space `lab fuzz` searches around this scenario (docs/chaos.md).',
  ),
});
export type Scenario = z.infer<typeof Scenario>;
/** A scenario as written in its file, before defaults. */
export type ScenarioInput = z.input<typeof Scenario>;

/**
 * A scenario written for capture --live: some reply forwards its call to the real endpoint. Under
 * --live only such a scenario's script applies (docs/live.md); without --live it cannot run.
 */
export function isLiveScript(scenario: Pick<Scenario, 'model'>): boolean {
  return scenario.model.replies.some((reply) => reply.live === true);
}
