import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioSetError } from '../../src/errors/scenario-set-error.ts';
import { loadScenarios } from '../../src/scenario/load-scenarios.ts';
import { waitsOnPurpose } from '../../src/scenario/waits-on-purpose.ts';
import { SubjectCatalog } from '../../src/scenario/load-subjects.ts';
import { ROOT } from '../helpers/run-cli.ts';

const subjects = await (await SubjectCatalog.open(path.join(ROOT, 'subjects'))).load([
  'mcp-client-forecast',
  'cited-qa',
]);

const scenario = (id: string, mcp: object, subject = 'mcp-client-forecast') =>
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
});
