import { describe, expect, it } from 'vitest';
import { parseShard, ShardSlices } from '../../src/shard/shard-slice.ts';

const ids = Array.from({ length: 37 }, (_, i) => `scenario-${i}`);

describe('shard slices', () => {
  it('deal every run of the plan to exactly one shard, balanced to within one run', () => {
    for (const count of [1, 2, 3, 4, 7, 37, 50]) {
      const slices = new ShardSlices(ids, count);
      const sizes = new Array(count).fill(0);
      for (let repeat = 0; repeat < 5; repeat++) for (const id of ids) sizes[slices.shardOf(id, repeat) - 1]++;
      expect(sizes.reduce((a, b) => a + b)).toBe(ids.length * 5);
      expect(Math.max(...sizes) - Math.min(...sizes), `${count} shards: ${sizes.join(',')}`).toBeLessThanOrEqual(1);
    }
  });

  it('depend on the scenario ids alone, not on their order', () => {
    const a = new ShardSlices(ids, 4);
    const b = new ShardSlices([...ids].reverse(), 4);
    for (const id of ids)
      for (let repeat = 0; repeat < 3; repeat++) expect(b.shardOf(id, repeat)).toBe(a.shardOf(id, repeat));
  });

  it('spread the repeats of one scenario over the shards', () => {
    const slices = new ShardSlices(ids, 4);
    expect(new Set([0, 1, 2, 3].map((repeat) => slices.shardOf('scenario-0', repeat))).size).toBeGreaterThan(1);
  });

  it('number every run of the plan, and back', () => {
    const slices = new ShardSlices(ids, 3);
    const positions = new Set<number>();
    for (let repeat = 0; repeat < 2; repeat++) {
      for (const id of ids) {
        const position = slices.positionOf(id, repeat)!;
        positions.add(position);
        expect(slices.runAt(position)).toEqual({ scenarioId: id, repeat });
      }
    }
    expect([...positions].sort((a, b) => a - b)).toEqual(Array.from({ length: ids.length * 2 }, (_, i) => i));
    expect(slices.positionOf('not-planned', 0)).toBeUndefined();
  });

  it('read --shard i/n, 1-based, and refuse anything else with the rule', () => {
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    expect(parseShard('4/4')).toEqual({ index: 4, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', '2', 'a/b', '1/4/2', '-1/4'])
      expect(() => parseShard(bad), bad).toThrow(/--shard must be i\/n with 1 <= i <= n/);
  });
});
