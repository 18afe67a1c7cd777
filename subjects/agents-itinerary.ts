import { z } from 'zod';
import { Agent, agentsLab } from '../src/frameworks/openai-agents.ts';
import { defineSubject, defineTool } from '../src/subject/index.ts';

const Plan = z.object({
  goal: z.string(),
  steps: z.array(z.object({ id: z.string(), action: z.string(), depends_on: z.array(z.string()) })),
});

const checkAvailability = defineTool<{ place: string; date: string }>({
  name: 'check_availability',
  description: 'Whether a place can be booked on a date (YYYY-MM-DD).',
  parameters: {
    type: 'object',
    properties: { place: { type: 'string' }, date: { type: 'string' } },
    required: ['place', 'date'],
    additionalProperties: false,
  },
  run: ({ place, date }) => ({ place, date, available: !date.endsWith('-25') }),
});

/** An itinerary planner on the Agents SDK over the Responses API, with a structured output type; a failing tool fails the plan. */
export default defineSubject({
  id: 'agents-itinerary',
  description:
    'OpenAI Agents SDK, Responses API: a Planner agent with check_availability and a zod outputType {goal, steps}; a tool that throws fails the run (ToolCallError), arguments that are not JSON go back to the model (the SDK does that whatever errorFunction says).',
  inputSchema: z.strictObject({ request: z.string().min(1), max_turns: z.int().positive().default(4) }),
  outputSchema: Plan.extend({ steps: Plan.shape.steps.min(1, 'a plan needs at least one step') }),
  tools: [checkAvailability],
  async run(ctx) {
    const lab = agentsLab(ctx, { useResponses: true, toolErrors: 'throw' });
    const planner = new Agent({
      name: 'Planner',
      instructions: 'Plan the trip as steps; check availability first.',
      tools: lab.tools(),
      outputType: Plan,
    });
    const { finalOutput } = await lab.run(planner, ctx.input.request, { maxTurns: ctx.input.max_turns });
    return finalOutput;
  },
});
