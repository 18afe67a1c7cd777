// MAST (Cemri et al., "Why Do Multi-Agent LLM Systems Fail?", 2025): 14 failure modes in three
// categories. Records keep a mode's bare id ("1.3", as the MAST-Data annotations write it); the
// paper's code is "FM-1.3".

/** MAST's three categories, by the first digit of a mode's id. */
export const MAST_CATEGORIES: Readonly<Record<string, string>> = {
  '1': 'Specification Issues',
  '2': 'Inter-Agent Misalignment',
  '3': 'Task Verification',
};

/** The paper's code of a mode: "1.3" -> "FM-1.3" (a code already in that form is kept). */
export function mastCode(id: string): string {
  return id.startsWith('FM-') ? id : `FM-${id}`;
}

/** A mode's category, e.g. "Specification Issues" for "1.3" or "FM-1.3"; null for an id MAST does not have. */
export function mastCategory(id: string): string | null {
  return MAST_CATEGORIES[id.replace(/^FM-/, '').split('.')[0] ?? ''] ?? null;
}
