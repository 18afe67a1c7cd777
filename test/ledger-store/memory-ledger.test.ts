import { describe } from 'vitest';
import { MemoryLedger } from '../../src/ledger-store/memory-ledger.ts';
import { failureLedgerContract } from './failure-ledger-contract.ts';

describe('MemoryLedger', () => {
  failureLedgerContract(async () => new MemoryLedger());
});
