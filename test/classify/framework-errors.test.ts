import {
  MaxTurnsExceededError,
  ModelBehaviorError,
  OutputGuardrailTripwireTriggered,
  ToolCallError,
  ToolTimeoutError,
} from '@openai/agents-core';
import { APICallError, JSONParseError, NoObjectGeneratedError, NoSuchToolError, TypeValidationError } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { classifyThrown } from '../../src/classify/classify-thrown.ts';
import { FRAMEWORK_ERROR_RULES, frameworkRuleOf } from '../../src/classify/framework-errors.ts';
import { taxonomyOf } from '../../src/classify/taxonomy.ts';
import { StepLimitError } from '../../src/frameworks/ai-sdk.ts';
import { createRedactor } from '../../src/internal/redact.ts';

const redact = createRedactor([]);
const zodError = () => z.object({ steps: z.array(z.string()) }).safeParse({ steps: 'none' }).error!;
const usage = { inputTokens: undefined, outputTokens: undefined, totalTokens: undefined } as any;
const noObject = (cause: Error) =>
  new NoObjectGeneratedError({
    message: 'No object generated',
    text: '{}',
    cause,
    response: { id: 'r', timestamp: new Date(0), modelId: 'm' },
    usage,
    finishReason: 'stop',
  } as any);

describe('the framework-errors table', () => {
  it('is a small table: every row names its framework, its class and why', () => {
    for (const rule of FRAMEWORK_ERROR_RULES)
      expect(rule).toMatchObject({
        framework: expect.any(String),
        errorClass: expect.any(String),
        why: expect.any(String),
      });
  });

  it('makes the Agents SDK\'s "Invalid output type" a validation_error of the model\'s structured output, with the issues of its cause and its own class', () => {
    const error = new ModelBehaviorError(
      'Invalid output type: final assistant output did not match the expected schema.',
    );
    Object.defineProperty(error, 'cause', { value: zodError() });
    expect(classifyThrown(error, redact)).toMatchObject({
      kind: 'validation_error',
      source: 'model_output_schema',
      issues: [{ path: 'steps', code: 'invalid_type' }],
      error: { class: 'ModelBehaviorError', cause: { class: 'ZodError' } },
    });
    // Without a cause (the SDK redacts the details), one issue at the root, from the message.
    expect(
      classifyThrown(
        new ModelBehaviorError('Invalid output type: final assistant output did not match the expected schema.'),
        redact,
      ),
    ).toMatchObject({ kind: 'validation_error', issues: [{ path: '', code: 'custom' }] });
  });

  it('leaves every other ModelBehaviorError an exception (an unknown tool, say)', () => {
    expect(classifyThrown(new ModelBehaviorError('Tool nope not found in agent T.'), redact)).toMatchObject({
      kind: 'exception',
      error: { class: 'ModelBehaviorError' },
    });
    expect(frameworkRuleOf(new ModelBehaviorError('Invalid JSON input for tool'))).toBeNull();
  });

  it("makes the AI SDK's NoObjectGeneratedError a validation_error, whether the reply did not validate or did not parse", () => {
    const invalid = noObject(new TypeValidationError({ value: { steps: 'none' }, cause: zodError() } as any));
    expect(classifyThrown(invalid, redact)).toMatchObject({
      kind: 'validation_error',
      source: 'model_output_schema',
      issues: [{ path: 'steps' }],
      error: { class: 'NoObjectGeneratedError' },
    });
    const prose = noObject(new JSONParseError({ text: 'About 41,200.', cause: new SyntaxError('Unexpected token') }));
    expect(classifyThrown(prose, redact)).toMatchObject({
      kind: 'validation_error',
      issues: [{ path: '', code: 'invalid_json' }],
    });
  });

  it("makes the Agents SDK's ToolTimeoutError a timeout (as an AbortSignal.timeout() that fired)", () => {
    expect(classifyThrown(new ToolTimeoutError({ toolName: 'slow', timeoutMs: 50 }), redact)).toMatchObject({
      kind: 'timeout',
      source: 'request_timeout',
      error: { class: 'ToolTimeoutError' },
    });
  });

  it('keeps the rest exceptions, labelled by class in the taxonomy', () => {
    const cases: [Error, string | null][] = [
      [new MaxTurnsExceededError('Max turns (3) exceeded'), 'Resource Abuse'],
      [new StepLimitError({ steps: 3 }), 'Resource Abuse'],
      [new OutputGuardrailTripwireTriggered('Output guardrail triggered', {} as any), 'Instruction Non-compliance'],
      [new ToolCallError('Failed to run function tools: Error: x', new Error('x')), 'Tool Definition Issues'],
      [new NoSuchToolError({ toolName: 'web_search', availableTools: ['search_notes'] }), 'Tool Selection Errors'],
      [
        new APICallError({
          message: 'Failed to process successful response',
          url: 'u',
          requestBodyValues: {},
          statusCode: 200,
          cause: new TypeError('terminated'),
        }),
        'Service Errors',
      ],
    ];
    for (const [error, leaf] of cases) {
      const verdict = classifyThrown(error, redact);
      expect(verdict.kind, error.constructor.name).toBe('exception');
      expect(
        verdict.kind === 'exception' &&
          taxonomyOf({ kind: 'exception', error: verdict.error }, []).refs.trail?.path.at(-1),
        error.constructor.name,
      ).toBe(leaf);
    }
  });
});
