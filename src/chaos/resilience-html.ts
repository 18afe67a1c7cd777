import { cspHash } from '../report/page-assets.ts';
import { esc, plural } from '../report/html.ts';
import { faultLabel } from './fuzz-space.ts';
import type { FuzzResult } from './run-fuzz.ts';

// The matrix's own small stylesheet, in the report's colours (src/report/client/report-page.css):
// light by default, dark when the system says so. Inline, admitted by its hash in the page's CSP.
const CSS = `:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--k-timeout:#d97706;--k-exception:#dc2626;--k-validation_error:#7c3aed;--k-hallucination_flag:#0e8fb0;--k-pass:#2f9e55}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--k-timeout:#f59e0b;--k-exception:#f26d6d;--k-validation_error:#a58bfa;--k-hallucination_flag:#2cc3e0;--k-pass:#4cc97a}}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,sans-serif}
main{max-width:72rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}
.scope,.note{color:var(--muted)}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid var(--line);padding:.35rem .6rem;text-align:left;vertical-align:top}
thead th{font-weight:600}
td.cell{text-align:center;min-width:5rem}
.scroll{overflow-x:auto}caption{text-align:left;padding-bottom:.25rem}
td.cell a{text-decoration:underline dotted}
td.cell a,td.cell span{display:block;color:inherit;font-weight:600}
td.cell a:focus-visible{outline:2px solid var(--fg);outline-offset:2px}
${['pass', 'timeout', 'exception', 'validation_error', 'hallucination_flag'].map((k) => `.o-${k}{border-left:6px solid var(--k-${k});background:color-mix(in srgb,var(--k-${k}) 18%,transparent)}`).join('\n')}
.o-none{color:var(--muted)}
code{font-family:ui-monospace,monospace;font-size:.9em}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
ol.findings li{margin:.5rem 0}ol.findings li:target{outline:2px solid var(--fg);outline-offset:4px}`;

/**
 * The resilience matrix of a fuzz as one self-contained HTML page: call sites down, fault kinds
 * across, each cell coloured by what that fault alone did (survived, or the kind it failed with)
 * and linked to its minimal finding below. No script; a Content-Security-Policy that forbids every
 * request admits the one inline stylesheet by its hash.
 */
export function resilienceHtml(result: FuzzResult): string {
  const sites = [...new Set(result.table.map((c) => c.site))];
  const kinds = [...new Set(result.table.map((c) => c.kind))];
  const cells = new Map(result.table.map((c) => [`${c.site}\u0000${c.kind}`, c]));
  const csp = `default-src 'none'; style-src ${cspHash(CSS)}; img-src data:; base-uri 'none'; form-action 'none'`;
  const row = (site: string) =>
    `<tr><th scope="row">${esc(site)}</th>${kinds
      .map((kind) => {
        const cell = cells.get(`${site}\u0000${kind}`);
        if (!cell) return '<td class="cell o-none"><span aria-label="does not fit this call">–</span></td>';
        const text = cell.outcome === null ? 'survived' : cell.outcome;
        const title = esc(faultLabel(cell.fault));
        return cell.finding === null
          ? `<td class="cell o-${cell.outcome ?? 'pass'}" title="${title}"><span>${esc(text)}</span></td>`
          : `<td class="cell o-${cell.outcome ?? 'pass'}" title="${title}"><a href="#finding-${cell.finding + 1}">${esc(text)} <span class="sr">(finding ${cell.finding + 1})</span></a></td>`;
      })
      .join('')}</tr>`;
  const findings = result.findings
    .map(
      (f, i) =>
        `<li id="finding-${i + 1}"><strong>${esc(f.kind)}</strong> <code>${esc(f.fingerprint)}</code> · ${plural(f.trials, 'trial')}<ul>${f.faults.map((fault) => `<li><code>${esc(faultLabel(fault))}</code></li>`).join('')}</ul><p class="note">${esc(f.message.slice(0, 300))}</p></li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Resilience: ${esc(result.scenario_id)}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<main>
<h1>Resilience of ${esc(result.scenario_id)}</h1>
<p class="scope">Subject <code>${esc(result.subject_id)}</code> · lab fuzz seed ${result.seed} · ${plural(result.runs, 'sampled fault set')} of at most ${result.max_faults} · ${plural(result.findings.length, 'finding')}</p>
<h2 id="matrix">Each fault kind alone at each call</h2>
<div class="scroll">
<table>
<caption class="note">Call sites of the baseline run down, fault kinds across; a failed cell links to its minimal finding.</caption>
<thead><tr><th scope="col">Call site</th>${kinds.map((k) => `<th scope="col">${esc(k)}</th>`).join('')}</tr></thead>
<tbody>
${sites.map(row).join('\n')}
</tbody>
</table>
</div>
<h2 id="findings">Findings, each shrunk to the faults it needs</h2>
${result.findings.length === 0 ? '<p class="note">No finding: the baseline passed every trial.</p>' : `<ol class="findings">\n${findings}\n</ol>`}
</main>
</body>
</html>
`;
}
