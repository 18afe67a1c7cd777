import { zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { defineSubject } from '../src/subject/index.ts';

const Step = z.object({ id: z.string(), action: z.string(), depends_on: z.array(z.string()) });
const Plan = z.object({ goal: z.string(), steps: z.array(Step) });

/** Built once: converting the zod schema to a text format is work each call need not repeat. */
const planFormat = zodTextFormat(Plan, 'plan');

/** A planner on the Responses API: a plan of steps with dependencies, parsed by zodTextFormat. */
export default defineSubject({
  id: 'trip-planner',
  description: 'Plans a trip as ordered steps with dependencies, through responses.parse and zodTextFormat.',
  inputSchema: z.strictObject({ request: z.string().min(1) }),
  outputSchema: Plan.extend({ steps: z.array(Step).min(1, 'a plan needs at least one step') }).superRefine(
    (plan, ctx) => {
      const seen = new Set<string>();
      plan.steps.forEach((step, i) => {
        for (const dep of step.depends_on) {
          if (!seen.has(dep))
            ctx.addIssue({
              code: 'custom',
              path: ['steps', i, 'depends_on'],
              message: `step ${step.id} depends on "${dep}", which is not an earlier step`,
            });
        }
        seen.add(step.id);
      });
    },
  ),
  async run({ client, model, input, signal }) {
    const response = await client.responses.parse(
      {
        model,
        instructions: 'Plan the trip as steps; each step lists the ids of the earlier steps it depends on.',
        input: input.request,
        text: { format: planFormat },
      },
      { signal },
    );
    if (!response.output_parsed) throw new Error(`the model returned no plan (status ${response.status})`);
    return response.output_parsed;
  },
});
