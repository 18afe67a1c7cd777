import { writeFile } from 'node:fs/promises';
import { type GatherOptions, gatherReportData } from './gather-report-data.ts';
import type { ReportData } from './report-data.ts';
import { renderReportPage, type RenderOptions } from './render-page.ts';

/** What writing a report gave: the page, the data it shows, and its size. */
export interface HtmlReport {
  html: string;
  data: ReportData;
  bytes: number;
}

/** Gathers a report's data from a store and a ledger and renders the page (nothing is written). */
export async function buildHtmlReport(options: GatherOptions & RenderOptions): Promise<HtmlReport> {
  const data = await gatherReportData(options);
  const html = renderReportPage(data, options);
  return { html, data, bytes: Buffer.byteLength(html) };
}

/** Builds the report and writes it to a file. */
export async function writeHtmlReport(file: string, options: GatherOptions & RenderOptions): Promise<HtmlReport> {
  const report = await buildHtmlReport(options);
  await writeFile(file, report.html);
  return report;
}
