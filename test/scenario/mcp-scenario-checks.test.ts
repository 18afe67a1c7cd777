import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Scenario } from '../../src/contracts/scenario.ts';
import { checkScenario } from '../../src/scenario/check-scenario.ts';
import { defineSubject } from '../../src/subject/subject.ts';
import { ScenarioSetError } from '../../src/errors/scenario-set-error.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { waitsOnPurpose } from '../../src/scenario/waits-on-purpose.ts';
import { SubjectCatalog } from '../../src/scenario/load-subjects.ts';
import { ROOT } from '../helpers/run-cli.ts';

const subjects = await (await SubjectCatalog.open(path.join(ROOT, 'subjects'))).load([
  'mcp-client-forecast',
  'cited-qa',
]);

const scenario = (id: string, mcp: object, subject = 'mcp-client-forecast', more: object = {}) =>
  JSON.stringify(
    {
      id,
      subject,
      description: 'd',
      expected: 'exception',
      input: subject === 'cited-qa' ? { question: 'q', documents: [{ id: 'a', text: 't' }] } : { city: 'Paris' },
      model: {
        replies: [{ tool_calls: [{ name: 'get_forecast', arguments: { city: 'Paris' } }] }, { content: 'x' }],
      },
      mcp,
      ...more,
    },
    null,
    2,
  );

describe("a scenario's mcp block is checked when the scenarios load", () => {
  it('names the file, the line and the fix: two answers for one call, an unknown server, a tool no reply calls, faults past the calls', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mcp-scenarios-'));
    const files = {
      'a.json': scenario('a', { weather: { get_forecast: [{ hang: true, malformed: true }] } }),
      'b.json': scenario('b', { forecast: { get_forecast: [{ hang: true }] } }),
      'c.json': scenario('c', { weather: { list_cities: [{ disconnect: true }] } }),
      'd.json': scenario('d', { weather: { get_forecast: [{ hang: true }, { hang: true }] } }),
      'e.json': scenario('e', { weather: { get_forecast: [{ hang: true }] } }, 'cited-qa'),
      'ok.json': scenario('ok', {
        weather: { get_forecast: [{ delay_ms: 5, tools_changed: true, is_error: true, result: 'down' }] },
      }),
    };
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    const error = await loadScenarios(dir, subjects).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioSetError);
    const problems = (error as ScenarioSetError).problems.map((p) => ({
      file: path.basename(p.file),
      path: p.path,
      line: p.line,
      message: p.message,
    }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'a.json',
          path: 'mcp.weather.get_forecast[0]',
          message: expect.stringContaining('one call has one answer, but this fault sets hang and malformed'),
        }),
        expect.objectContaining({
          file: 'b.json',
          path: 'mcp.forecast',
          message: 'mcp-client-forecast has no MCP server "forecast". Its mcp_servers: weather',
        }),
        expect.objectContaining({
          file: 'c.json',
          path: 'mcp.weather.list_cities',
          message: expect.stringContaining('no reply in model.replies asks for "list_cities"'),
        }),
        expect.objectContaining({
          file: 'd.json',
          path: 'mcp.weather.get_forecast[1]',
          message: expect.stringContaining('2 faults, but model.replies asks for "get_forecast" only 1 time'),
        }),
        expect.objectContaining({ file: 'e.json', path: 'mcp.weather', message: expect.stringContaining('(none)') }),
      ]),
    );
    for (const p of problems) expect(p.line, `${p.file} ${p.path}`).toBeGreaterThan(1);
    expect(problems.filter((p) => p.file === 'ok.json')).toEqual([]);
  });

  it('an MCP fault that hangs, waits or gets no JSON-RPC answer counts as waiting on purpose', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mcp-scenarios-'));
    await writeFile(path.join(dir, 'h.json'), scenario('h', { weather: { get_forecast: [{ hang: true }] } }));
    await writeFile(
      path.join(dir, 'r.json'),
      scenario('r', { weather: { get_forecast: [{ jsonrpc_error: { code: -32603, message: 'x' } }] } }),
    );
    const loaded = await loadScenarios(dir, subjects);
    expect(Object.fromEntries(loaded.map((l) => [l.scenario.id, waitsOnPurpose(l.scenario)]))).toEqual({
      h: true,
      r: false,
    });
  });

  it('mcp_start names a server the subject has, and a server asked not to start takes no call faults (variants neither)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mcp-scenarios-'));
    const files = {
      'f.json': scenario('f', {}, 'mcp-client-forecast', { mcp_start: { forecast: 'fail' } }),
      'g.json': scenario('g', { weather: { get_forecast: [{ hang: true }] } }, 'mcp-client-forecast', {
        mcp_start: { weather: 'fail' },
      }),
      'h.json': scenario('h', { weather: { get_forecast: [{ hang: true }] } }, 'mcp-client-forecast', {
        variants: [
          { id: 'down', description: 'd', expected: 'exception', faults: [{ mcp: 'weather', start: 'fail' }] },
        ],
      }),
      'i.json': scenario('i', {}, 'mcp-client-forecast', { mcp_start: { weather: 'crash' } }),
      'ok.json': scenario('ok', {}, 'mcp-client-forecast', { mcp_start: { weather: 'fail' } }),
    };
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    const error = await loadScenarios(dir, subjects).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioSetError);
    const problems = (error as ScenarioSetError).problems.map((p) => ({
      file: path.basename(p.file),
      path: p.path,
      line: p.line,
      message: p.message,
    }));
    expect(problems.sort((a, b) => (a.file < b.file ? -1 : 1))).toEqual([
      expect.objectContaining({
        file: 'f.json',
        path: 'mcp_start.forecast',
        message: 'mcp-client-forecast has no MCP server "forecast". Its mcp_servers: weather',
      }),
      expect.objectContaining({
        file: 'g.json',
        path: 'mcp.weather.get_forecast',
        message:
          '"weather" is asked not to start (mcp_start.weather), so no call reaches it and these faults never apply: remove them, or remove mcp_start.weather',
      }),
      expect.objectContaining({
        file: 'h.json',
        path: 'variants[0].faults[0].start',
        message: expect.stringContaining(
          "the baseline's own mcp block faults calls of weather (mcp.weather.get_forecast)",
        ),
      }),
      expect.objectContaining({
        file: 'i.json',
        path: 'mcp_start.weather',
        message: 'the one start fault is "fail" (the server does not start)',
      }),
    ]);
    for (const p of problems) expect(p.line, `${p.file} ${p.path}`).toBeGreaterThan(1);
  });

  it("in a conversation, an mcp block's calls are counted over every turn's replies, as the proxy counts them", () => {
    const chat = defineSubject({
      id: 'mcp-chat',
      description: 'A conversation whose tools come from an MCP server.',
      inputSchema: z.object({}),
      outputSchema: z.string(),
      mcp_servers: { weather: { command: [process.execPath, 'server.js'] } },
      async respond() {
        return 'ok';
      },
    });
    const asks = { tool_calls: [{ name: 'get_forecast', arguments: { city: 'Paris' } }] };
    const turns = [
      { user: 'Paris?', replies: [asks, { content: 'rain' }] },
      { user: 'And again?', replies: [asks, { content: 'rain' }] },
    ];
    const check = (faults: object[]) =>
      checkScenario(
        Scenario.parse({
          id: 'c',
          subject: 'mcp-chat',
          description: 'd',
          expected: null,
          input: {},
          turns,
          mcp: { weather: { get_forecast: faults } },
        }),
        chat,
      );
    // The second call of the run is in turn 2: a fault on it is used.
    expect(check([{}, { delay_ms: 5 }])).toEqual([]);
    expect(check([{}, { delay_ms: 5 }, { hang: true }])).toEqual([
      {
        path: ['mcp', 'weather', 'get_forecast', 2],
        message:
          '3 faults, but the turns\' replies ask for "get_forecast" only 2 times in the run: faults past the 2nd are never used; remove them or add tool calls',
      },
    ]);
  });
});
