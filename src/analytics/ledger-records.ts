import type { FailureRecord } from '../contracts/failure-record.ts';
import { StoreError } from '../errors/store-error.ts';
import type { FailureLedger, FailureQuery } from '../ledger-store/failure-ledger.ts';

/**
 * Every record a query selects, page after page, in the ledger's order (timestamp, then
 * failure_id): a stream for computeAnalytics and the reports, one page in memory at a time.
 * Pass `until: asOf` to leave later records in the ledger.
 */
export async function* ledgerRecords(ledger: FailureLedger, query: FailureQuery = {}): AsyncGenerator<FailureRecord> {
  let cursor = query.cursor ?? null;
  for (;;) {
    const page = await ledger.query({ ...query, cursor });
    yield* page.records;
    if (page.cursor === null) return;
    // A backend that hands back the cursor it was given would page forever.
    if (page.cursor === cursor)
      throw new StoreError({
        store: ledger.name,
        message: `query returned the cursor it was given (${cursor}); paging stopped instead of looping`,
      });
    cursor = page.cursor;
  }
}
