import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The page's stylesheet and script, inlined into every report, with their CSP hashes. */
export interface PageAssets {
  css: string;
  js: string;
  cssHash: string;
  jsHash: string;
}

const CLIENT_DIR = path.join(import.meta.dirname, 'client');

/** The CSP source of an inline element's text: 'sha256-<base64>'. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

let cached: PageAssets | undefined;

/**
 * Reads client/report-page.css and client/report-page.js once per process. They are plain
 * browser CSS and JavaScript, kept in their own files so an editor and a linter see them whole;
 * the page inlines them, and its Content-Security-Policy admits exactly these two by hash.
 */
export function pageAssets(): PageAssets {
  if (!cached) {
    const css = readFileSync(path.join(CLIENT_DIR, 'report-page.css'), 'utf8');
    const js = readFileSync(path.join(CLIENT_DIR, 'report-page.js'), 'utf8');
    cached = { css, js, cssHash: cspHash(css), jsHash: cspHash(js) };
  }
  return cached;
}
