/**
 * The one table of number forms. Every row is checked both ways in numbers.test.ts, and the same
 * rows measure other tokenizers (the evaluation of compromise). The README's "What counts as a number" shows them.
 */

/** A form written one way in a source and another way in an output, with a wrong value beside it. */
export interface EquivalentCase {
  form: string;
  source: string;
  /** States the same numbers as source, written differently: no flag. */
  output: string;
  /** States a different value: exactly one claim is flagged, the one whose text is `flagged`. */
  different: string;
  flagged: string;
  /** False when output (as a source) does not support source (as an output): a year does not state a date. */
  reverse: boolean;
}

const row = (
  form: string,
  source: string,
  output: string,
  different: string,
  flagged: string,
  reverse = true,
): EquivalentCase => ({ form, source, output, different, flagged, reverse });

export const EQUIVALENT: readonly EquivalentCase[] = [
  row(
    'integer',
    'The tower is 330 metres tall.',
    'It stands 330 metres tall.',
    'It stands 324 metres tall.',
    '324 metres',
  ),
  row('glued unit', 'Take 250mg twice a day.', 'Take 250 mg twice a day.', 'Take 260mg twice a day.', '260mg'),
  row('spaced unit', 'The box weighs 12 kg.', 'The box weighs 12kg.', 'The box weighs 13 kg.', '13 kg'),
  row('hyphenated unit', 'It was a 4-hour shift.', 'The shift lasted 4 hours.', 'It was a 5-hour shift.', '5-hour'),
  row(
    'thousands separator',
    'There were 1,234,567 visitors.',
    'There were 1234567 visitors.',
    'There were 1,234,568 visitors.',
    '1,234,568',
  ),
  row(
    'decimal, trailing zeros',
    'Total due: 1,250.00 EUR.',
    'The total is 1250 EUR.',
    'The total is 1250.4 EUR.',
    '1250.4 EUR',
  ),
  row(
    'decimal without leading zero',
    'The ratio is 0.5 overall.',
    'The ratio is .5 overall.',
    'The ratio is 0.55 overall.',
    '0.55',
  ),
  row(
    'minus sign',
    'The index moved -3 points.',
    'The index moved \u22123 points.',
    'The index moved +3 points.',
    '+3',
  ),
  row('plus sign', 'Scores rose +5 this year.', 'Scores rose 5 this year.', 'Scores rose 6 this year.', '6'),
  row('unsigned against signed', 'The change was -3%.', 'Sales fell 3%.', 'Sales fell 4%.', '4%'),
  row('percent sign and word', 'Growth was 5%.', 'Growth was 5 percent.', 'Growth was 6%.', '6%'),
  row('per cent', 'Inflation hit 7 per cent.', 'Inflation hit 7%.', 'Inflation hit 8 per cent.', '8 per cent'),
  row('currency symbol and code', 'The fee is $1,200.', 'The fee is 1,200 USD.', 'The fee is $1,250.', '$1,250'),
  row('currency symbol after', 'Tickets cost €5.', 'Tickets cost 5€.', 'Tickets cost €6.', '€6'),
  row('currency code before', 'Budget: EUR 900.', 'The budget is 900 euros.', 'The budget is 950 euros.', '950 euros'),
  row('ordinal', 'She finished 22nd.', 'She finished in place 22.', 'She finished 23rd.', '23rd'),
  row(
    'scale word',
    'The app has 3.5 million users.',
    'The app has 3,500,000 users.',
    'The app has 3.6 million users.',
    '3.6 million',
  ),
  row(
    'scale suffix',
    'A $2k budget was approved.',
    'A $2,000 budget was approved.',
    'A $3k budget was approved.',
    '$3k',
  ),
  row(
    'billion',
    'The deal was worth $2B.',
    'The deal was worth 2 billion dollars.',
    'The deal was worth 3 billion dollars.',
    '3 billion dollars',
  ),
  row(
    'range with hyphen',
    'Expect delivery in 10-12 days.',
    'Expect delivery in 10 to 12 days.',
    'Expect delivery in 10-14 days.',
    '14 days',
  ),
  row('range with en dash', 'Serve 3\u20134 portions.', 'Serve 3 to 4 portions.', 'Serve 3\u20135 portions.', '5'),
  row(
    'range with a scale',
    'Between 3 million and 4 million people.',
    'About 3-4 million people.',
    'About 3-5 million people.',
    '5 million',
  ),
  row('range of percentages', 'Rates of 10-12% apply.', 'Rates of 10% to 12% apply.', 'Rates of 10-15% apply.', '15%'),
  row('words', 'The course runs 8 weeks.', 'The course runs eight weeks.', 'The course runs nine weeks.', 'nine weeks'),
  row(
    'hyphenated words',
    'There were 25 people.',
    'There were twenty-five people.',
    'There were twenty-six people.',
    'twenty-six',
  ),
  row(
    'words with hundred',
    'The hospital has 300 beds.',
    'The hospital has three hundred beds.',
    'The hospital has three hundred and one beds.',
    'three hundred and one',
  ),
  row(
    'words with a scale',
    'A grant of 2,000,000 was made.',
    'A grant of two million was made.',
    'A grant of three million was made.',
    'three million',
  ),
  row(
    'a thousand',
    'About 1,000 attended.',
    'About a thousand attended.',
    'About two thousand attended.',
    'two thousand',
  ),
  row(
    'one as evidence',
    'Only one patient was admitted.',
    'Only 1 patient was admitted.',
    'Only 2 patients were admitted.',
    '2',
  ),
  row(
    'ordinal word as evidence',
    'Results for the second quarter.',
    'Results for the 2nd quarter.',
    'Results for the 3rd quarter.',
    '3rd',
  ),
  row(
    'ISO date and day-month-year',
    'Signed on 2024-03-15.',
    'Signed on 15 March 2024.',
    'Signed on 16 March 2024.',
    '16 March 2024',
  ),
  row(
    'month-day-year',
    'Signed on March 15, 2024.',
    'Signed on 2024-03-15.',
    'Signed on March 15, 2023.',
    'March 15, 2023',
  ),
  row('numeric date, unambiguous', 'Due 03/15/2024.', 'Due March 15th, 2024.', 'Due 03/16/2024.', '03/16/2024'),
  row('numeric date, ambiguous', 'Due 05/06/2024.', 'Due May 6, 2024.', 'Due 05/07/2024.', '05/07/2024'),
  row('day-first date with dots', 'Fällig am 15.03.2024.', 'Due 15 March 2024.', 'Due 15.04.2024.', '15.04.2024'),
  row('year of a source date', 'Signed on 2024-03-15.', 'Signed in 2024.', 'Signed in 2023.', '2023', false),
  row(
    'date without a year',
    'Signed on March 15, 2024.',
    'Signed on March 15.',
    'Signed on March 16.',
    'March 16',
    false,
  ),
  row('day of a source date', 'Signed on March 15, 2024.', 'Signed on the 15th.', 'Signed on the 16th.', '16th', false),
  row('month and year', 'Launched in March 2024.', 'Launched in 2024-03.', 'Launched in April 2024.', 'April 2024'),
  row(
    '24-hour and 12-hour time',
    'The meeting starts at 19:00.',
    'The meeting starts at 7pm.',
    'The meeting starts at 8pm.',
    '8pm',
  ),
  row('spaced am/pm', 'Doors open at 7:30 p.m.', 'Doors open at 19:30.', 'Doors open at 20:30.', '20:30'),
  row(
    'ISO date-time',
    'Starts 2024-03-15T19:00:00Z.',
    'Starts March 15, 2024 at 7 pm.',
    'Starts March 15, 2024 at 8 pm.',
    '8 pm',
  ),
  row(
    'JSON numbers in a tool result',
    '{"temp_c":21.5,"rate":1e-7}',
    'It is 21.5 degrees; the rate is 0.0000001.',
    'It is 22 degrees; the rate is 0.0000001.',
    '22 degrees',
  ),
  row('number after #', 'Invoice #5521 is open.', 'Invoice 5521 is open.', 'Invoice #5522 is open.', '5522'),
  row('prose prefix', 'Prices peaked in 2024.', 'Prices peaked in mid-2024.', 'Prices peaked in mid-2023.', '2023'),
];

/** Digits inside identifiers: no number on either side. `lookalike` is what a misreading would wrongly support. */
export interface IdentifierCase {
  form: string;
  text: string;
  lookalike: string;
}

export const IDENTIFIERS: readonly IdentifierCase[] = [
  { form: 'document id', text: 'doc-2', lookalike: '2' },
  { form: 'invoice number', text: 'INV-2041', lookalike: '2041' },
  { form: 'letters then digits', text: 'A4', lookalike: '4' },
  { form: 'version tag', text: 'v2', lookalike: '2' },
  { form: 'model name', text: 'B52', lookalike: '52' },
  { form: 'UUID', text: '123e4567-e89b-12d3-a456-426614174000', lookalike: '426614174000' },
  { form: 'hex literal', text: '0x1F', lookalike: '1' },
  { form: 'hex string', text: '3f2a9c', lookalike: '3' },
  { form: 'git SHA', text: '9fceb02', lookalike: '9' },
  { form: 'version string', text: '1.2.3', lookalike: '1.2' },
  { form: 'IP address', text: '192.168.0.1', lookalike: '192.168' },
  { form: 'hyphenated phone number', text: '555-123-4567', lookalike: '4567' },
  { form: 'name with a number', text: 'COVID-19', lookalike: '19' },
  { form: 'fiscal year code', text: 'FY2024', lookalike: '2024' },
  { form: 'underscore id', text: 'doc_3', lookalike: '3' },
  { form: 'email address', text: 'user2@example.com', lookalike: '2' },
  { form: 'quarter code', text: 'Q3', lookalike: '3' },
  { form: 'standard name', text: 'ISO-8601', lookalike: '8601' },
  { form: 'URL', text: 'https://example.com/2024/report?page=7', lookalike: '2024' },
  { form: 'citation marker', text: '[3]', lookalike: '3' },
];

/** Words that look like numbers but are not claims: an output may say them with no number in the sources. */
export const NOT_CLAIMS: readonly { form: string; output: string }[] = [
  { form: '"one of"', output: 'One of the documents says so.' },
  { form: '"no one"', output: 'No one was hurt.' },
  { form: '"this one"', output: 'This one is better.' },
  { form: 'ordinal word', output: 'The second item is missing.' },
  { form: '"a second"', output: 'She asked for a second opinion.' },
  { form: '"first"', output: 'It was the first time.' },
  { form: 'idiom', output: 'It is a one-way street.' },
  { form: 'idiom', output: 'We tried zero-shot prompting.' },
  { form: 'fraction in words', output: 'Two-thirds of the staff agreed.' },
  { form: 'vague plural', output: 'Thousands of people came.' },
];

/** A source with no number in it. */
export const NO_NUMBERS = 'The report gives no figures.';
