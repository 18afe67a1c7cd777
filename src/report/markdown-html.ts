import { esc } from './html.ts';

// The weekly and monthly reports are Markdown (src/analytics/*-report.ts). This turns the part of
// Markdown they write (headings, paragraphs, "- " lists, pipe tables, **bold**, `code`) into HTML,
// escaping everything else, so the HTML report shows the very same reports.

function inline(text: string): string {
  return esc(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

/** The cells of a table row, with `\|` kept as a pipe inside a cell. */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '\\' && i + 1 < inner.length) {
      cur += inner[++i];
    } else if (c === '|') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}

/**
 * Markdown as HTML. Headings move down by `shift` levels (a report's "#" under the page's own
 * headings); `idPrefix` names them so two reports on one page do not share ids.
 */
export function markdownToHtml(markdown: string, { shift = 2, idPrefix = 'md' } = {}): string {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  let headings = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      const level = Math.min(6, h[1]!.length + shift);
      out.push(`<h${level} id="${idPrefix}-${++headings}">${inline(h[2]!)}</h${level}>`);
      i++;
      continue;
    }
    if (line.startsWith('|') && lines[i + 1]?.startsWith('|') && /^\|[\s:|-]+\|?$/.test(lines[i + 1]!)) {
      const head = cells(line);
      const align = cells(lines[i + 1]!).map((a) => a.endsWith(':'));
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i]!.startsWith('|')) rows.push(cells(lines[i++]!));
      const cls = (j: number) => (align[j] ? ' class="num"' : '');
      out.push(
        `<div class="table-wrap"><table><thead><tr>${head.map((c, j) => `<th scope="col"${cls(j)}>${inline(c)}</th>`).join('')}</tr></thead><tbody>` +
          rows
            .map(
              (r) =>
                `<tr>${r.map((c, j) => (j === 0 ? `<th scope="row"${cls(j)}>${inline(c)}</th>` : `<td${cls(j)}>${inline(c)}</td>`)).join('')}</tr>`,
            )
            .join('\n') +
          '</tbody></table></div>',
      );
      continue;
    }
    if (/^- /.test(line)) {
      const items: string[] = [];
      while (i < lines.length && /^- /.test(lines[i]!)) items.push(`<li>${inline(lines[i++]!.slice(2))}</li>`);
      out.push(`<ul>${items.join('')}</ul>`);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && !/^(#{1,6}\s|- |\|)/.test(lines[i]!)) para.push(lines[i++]!);
    if (para.length === 0) para.push(lines[i++]!);
    out.push(`<p>${inline(para.join(' '))}</p>`);
  }
  return out.join('\n');
}
