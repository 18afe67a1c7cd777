import { z } from 'zod';
import { Agent, agentsLab, type InputGuardrail, type OutputGuardrail } from '../src/frameworks/openai-agents.ts';
import { defineSubject, defineTool } from '../src/subject/index.ts';

const INVOICES: Record<string, { amount_eur: number; status: string }> = {
  'INV-1001': { amount_eur: 120, status: 'paid' },
  'INV-1002': { amount_eur: 75.5, status: 'open' },
};

const lookupInvoice = defineTool<{ invoice_id: string }>({
  name: 'lookup_invoice',
  description: 'An invoice by id: its amount in EUR and its status.',
  parameters: {
    type: 'object',
    properties: { invoice_id: { type: 'string' } },
    required: ['invoice_id'],
    additionalProperties: false,
  },
  run({ invoice_id }) {
    const invoice = INVOICES[invoice_id];
    if (!invoice) throw new Error(`no invoice ${invoice_id}`);
    return { invoice_id, ...invoice };
  },
});

const refund = defineTool<{ invoice_id: string; amount_eur: number }>({
  name: 'refund',
  description: 'Refunds an amount of a paid invoice.',
  parameters: {
    type: 'object',
    properties: { invoice_id: { type: 'string' }, amount_eur: { type: 'number' } },
    required: ['invoice_id', 'amount_eur'],
    additionalProperties: false,
  },
  run: ({ invoice_id, amount_eur }) => ({ refund_id: `RF-${invoice_id}`, amount_eur }),
});

/** Blocking (not in parallel with the first model call), so a tripped guardrail never races a request. */
const noCardNumbers: InputGuardrail = {
  name: 'no_card_numbers',
  runInParallel: false,
  execute: async ({ input }) => ({ tripwireTriggered: /\b(?:\d[ -]?){13,16}\b/.test(String(input)), outputInfo: null }),
};

const noPromises: OutputGuardrail = {
  name: 'no_promises',
  execute: async ({ agentOutput }) => ({
    tripwireTriggered: /\bguarantee/i.test(String(agentOutput)),
    outputInfo: null,
  }),
};

/** Multi-agent support on the Agents SDK (Chat Completions): Triage hands billing questions to Billing. */
export default defineSubject({
  id: 'agents-support-desk',
  description:
    'OpenAI Agents SDK, Chat Completions: a Triage agent (input guardrail: no card numbers) hands off to Billing (lookup_invoice, refund; output guardrail: no promises); tool errors go back to the model.',
  inputSchema: z.strictObject({
    message: z.string().min(1),
    max_turns: z.int().positive().default(6),
    stream: z.boolean().default(false),
  }),
  outputSchema: z.strictObject({ answer: z.string().min(1), agent: z.string() }),
  tools: [lookupInvoice, refund],
  async run(ctx) {
    const lab = agentsLab(ctx);
    const billing = new Agent({
      name: 'Billing',
      instructions: 'Answer invoice and refund questions with your tools.',
      tools: lab.tools(),
      outputGuardrails: [noPromises],
    });
    const triage = new Agent({
      name: 'Triage',
      instructions: 'Hand billing questions to Billing.',
      handoffs: [billing],
      inputGuardrails: [noCardNumbers],
    });
    const { finalOutput, lastAgent } = await lab.run(triage, ctx.input.message, {
      maxTurns: ctx.input.max_turns,
      stream: ctx.input.stream,
    });
    return { answer: String(finalOutput ?? ''), agent: lastAgent };
  },
});
