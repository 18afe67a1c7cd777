import { describe, expect, it } from 'vitest';
import { PREVIEW_MAX_CHARS } from '../../src/contracts/common.ts';
import { preview } from '../../src/internal/preview.ts';
import { createRedactor, REDACTED, secretsFromEnv } from '../../src/internal/redact.ts';
import { safeStringify } from '../../src/internal/safe-stringify.ts';
import { selectPath } from '../../src/grounding/path.ts';
import { errorInfo, toError } from '../../src/internal/to-error.ts';

const none = createRedactor([]);

describe('safeStringify', () => {
  it('survives cycles, BigInt, functions and throwing getters', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(safeStringify(cyclic)).toBe('{"a":1,"self":"[Circular]"}');
    expect(safeStringify({ n: 10n })).toBe('{"n":"10n"}');
    expect(safeStringify({ f: function named() {} })).toBe('{"f":"[Function named]"}');
    expect(safeStringify(undefined)).toBe('undefined');
    const shared = { x: 1 };
    expect(safeStringify([shared, shared])).toBe('[{"x":1},{"x":1}]');
    expect(
      safeStringify({
        get bad() {
          throw new Error('no');
        },
      }),
    ).toBe('[Unserializable: no]');
  });
});

describe('preview', () => {
  it('bounds the text but keeps the size and hash of the whole', () => {
    const big = 'x'.repeat(PREVIEW_MAX_CHARS * 10);
    const p = preview(big, none);
    expect(p.text.length).toBe(PREVIEW_MAX_CHARS);
    expect(p).toMatchObject({ truncated: true, bytes: big.length, type: 'string' });
    expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(preview(big, none).sha256).toBe(p.sha256);
    expect(preview(`${big}y`, none).sha256).not.toBe(p.sha256);
    // A preview that is the whole value needs no hash.
    expect(preview('short', none)).toEqual({ type: 'string', text: 'short', bytes: 5, truncated: false, sha256: null });
  });
});

describe('redaction', () => {
  it('removes every secret, longest first, and ignores values too short to be secrets', () => {
    const redact = createRedactor(['sk-abcdef', 'sk-abcdef-longer', 'abc', undefined]);
    expect(redact('a sk-abcdef-longer and sk-abcdef; abc')).toBe(`a ${REDACTED} and ${REDACTED}; abc`);
  });

  it('reads OPENAI_API_KEY, COSMOS_KEY and LAB_REDACT', () => {
    expect(
      secretsFromEnv({ OPENAI_API_KEY: 'k1-123456', COSMOS_KEY: 'k2-123456', LAB_REDACT: 'one-secret, two-secret' }),
    ).toEqual(['k1-123456', 'k2-123456', 'one-secret', 'two-secret']);
  });
});

describe('errorInfo', () => {
  it('describes non-Error throws and redacts messages', () => {
    const redact = createRedactor(['topsecret1']);
    expect(errorInfo('boom topsecret1', redact)).toMatchObject({
      class: 'string',
      thrown: 'string',
      message: `boom ${REDACTED}`,
    });
    expect(errorInfo({ message: 'obj', code: 'E1' }, none)).toMatchObject({
      class: 'Object',
      thrown: 'object',
      message: 'obj',
      code: 'E1',
    });
    const withCause = new Error('outer', { cause: new TypeError('inner') });
    expect(errorInfo(withCause, none).cause).toEqual({ class: 'TypeError', message: 'inner' });
    expect(toError(42)).toBeInstanceOf(Error);
  });
});

describe('selectPath', () => {
  it('selects with keys, indexes and wildcards, and selects nothing for missing keys', () => {
    const v = { a: [{ id: 1 }, { id: 2 }], b: { c: 'x' } };
    expect(selectPath(v, 'a[*].id')).toEqual([1, 2]);
    expect(selectPath(v, 'a[1].id')).toEqual([2]);
    expect(selectPath(v, 'b.c')).toEqual(['x']);
    expect(selectPath(v, '')).toEqual([v]);
    expect(selectPath(v, 'nope.deeper')).toEqual([]);
    expect(selectPath(v, 'constructor')).toEqual([]);
  });
});
