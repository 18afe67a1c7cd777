import { Scenario, type ScenarioInput } from '../../src/contracts/scenario.ts';

/** A scenario from a partial literal, with the defaults a file would get. */
export function scenario(fields: Partial<ScenarioInput> & Pick<ScenarioInput, 'id' | 'subject'>): Scenario {
  return Scenario.parse({ description: 'test scenario', expected: null, input: {}, ...fields });
}
