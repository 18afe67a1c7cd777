import { z } from 'zod';
import { defineSubject, defineTool } from '../src/subject/index.ts';

const reserveSeat = defineTool<{ flight: string }>({
  name: 'reserve_seat',
  description: 'Holds a seat on a flight; returns the reservation.',
  parameters: {
    type: 'object',
    properties: { flight: { type: 'string' } },
    required: ['flight'],
    additionalProperties: false,
  },
  run: ({ flight }) => ({ reservation: `R-${flight}-1`, seat: '14C' }),
});

const chargeCard = defineTool<{ reservation: string; amount_eur: number }>({
  name: 'charge_card',
  description: 'Charges the traveller for a reservation.',
  parameters: {
    type: 'object',
    properties: { reservation: { type: 'string' }, amount_eur: { type: 'number' } },
    required: ['reservation', 'amount_eur'],
    additionalProperties: false,
  },
  run: ({ reservation, amount_eur }) => ({ receipt: `P-${reservation}`, amount_eur }),
});

const releaseSeat = defineTool<{ reservation: string }>({
  name: 'release_seat',
  description: 'Releases a held seat (undoes reserve_seat).',
  parameters: {
    type: 'object',
    properties: { reservation: { type: 'string' } },
    required: ['reservation'],
    additionalProperties: false,
  },
  run: ({ reservation }) => ({ released: reservation }),
});

/**
 * Books a flight in two writes, reserve then charge. When the charge fails after the seat is
 * held, it compensates (releases the seat) and then fails the request with the charge's error.
 */
export default defineSubject({
  id: 'booking-agent',
  description:
    'Books a flight with two tool writes (reserve_seat, charge_card); rolls the reservation back if the charge fails.',
  inputSchema: z.strictObject({ flight: z.string().min(1), amount_eur: z.number().positive() }),
  outputSchema: z.strictObject({ reservation: z.string(), seat: z.string(), receipt: z.string() }),
  tools: [reserveSeat, chargeCard, releaseSeat],
  toolsCalledBy: 'subject',
  async run({ input, tools, recovery }) {
    const held = (await tools.call('reserve_seat', { flight: input.flight })) as { reservation: string; seat: string };
    try {
      const paid = (await tools.call('charge_card', {
        reservation: held.reservation,
        amount_eur: input.amount_eur,
      })) as { receipt: string };
      return { reservation: held.reservation, seat: held.seat, receipt: paid.receipt };
    } catch (error) {
      // The seat is held but unpaid: a partial write. Undo it, then fail the request.
      await recovery.compensate('reserve_seat', () => tools.call('release_seat', { reservation: held.reservation }), {
        undoes: 'reserve_seat',
        reservation: held.reservation,
      });
      throw error;
    }
  },
});
