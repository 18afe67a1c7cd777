import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { defineSubject } from '../src/subject/index.ts';

const LineItem = z.object({ description: z.string(), amount: z.number() });
/** What the model is asked for (the openai zod helper rejects replies that break it). */
const Invoice = z.object({
  vendor: z.string(),
  invoice_number: z.string(),
  currency: z.string(),
  total: z.number(),
  line_items: z.array(LineItem),
});

/** Built once: converting the zod schema to a response format is work the model call need not repeat. */
const invoiceFormat = zodResponseFormat(Invoice, 'invoice');

/** Structured extraction: an invoice's fields through chat.completions.parse and zodResponseFormat. */
export default defineSubject({
  id: 'invoice-extractor',
  description: 'Extracts vendor, number, currency, total and line items from an invoice text with structured outputs.',
  inputSchema: z.strictObject({ document: z.string().min(1) }),
  // Stricter than the response format: the checks the extraction's consumers rely on.
  outputSchema: Invoice.extend({ currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR') }).refine(
    (inv) => Math.abs(inv.line_items.reduce((sum, item) => sum + item.amount, 0) - inv.total) < 0.005,
    { message: 'total must equal the sum of line_items', path: ['total'] },
  ),
  async run({ client, model, input, signal }) {
    const completion = await client.chat.completions.parse(
      {
        model,
        messages: [
          { role: 'system', content: 'Extract the invoice fields. Amounts are numbers in the invoice currency.' },
          { role: 'user', content: input.document },
        ],
        response_format: invoiceFormat,
      },
      { signal },
    );
    const message = completion.choices[0]?.message;
    if (!message?.parsed) throw new Error(`the model returned no invoice (refusal: ${message?.refusal ?? 'none'})`);
    return message.parsed;
  },
});
