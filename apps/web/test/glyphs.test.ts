import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ICON_NAMES } from '../src/components/Icon';

const SRC = join(__dirname, '../src');
/**
 * Math signs the bench view prints (p99 TTFT ≤ 2000 ms, 412 ± 5 tok/s): fonts-liberation has both
 * (`fc-list ':charset=2264 b1'` lists Liberation Sans, Serif and Mono), as do DejaVu and the app's
 * own JetBrains Mono.
 */
const TEXT_MATH = ['≤', '±'];
/**
 * Text punctuation that even Debian's smallest font set (fonts-liberation) has, as do DejaVu,
 * Noto and the system UI fonts. Anything else that is not ASCII is a symbol glyph: on a plain Debian font set some
 * have no glyph and Chromium draws an empty box. Icons are inline SVG (components/Icon.tsx).
 */
const TEXT_CHARACTERS = new Set([...'—…·°“”→↑↓−', ...TEXT_MATH]);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.(tsx?|css)$/.test(e.name) ? [join(dir, e.name)] : []));
}

/** Comments are never rendered: drop them before looking. */
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

describe('the web app renders no font-dependent symbol glyphs', () => {
  it('uses only text punctuation outside ASCII; icons are SVG', () => {
    const found: string[] = [];
    for (const f of files(SRC)) {
      const lines = code(readFileSync(f, 'utf8')).split('\n');
      lines.forEach((line, i) => {
        for (const ch of line) if (ch > '\u007f' && !TEXT_CHARACTERS.has(ch)) found.push(`${relative(SRC, f)}:${i + 1}: ${ch} (U+${ch.codePointAt(0)!.toString(16).toUpperCase()})`);
      });
    }
    expect(found).toEqual([]);
  });

  it('has the icons the views use', () => {
    expect(ICON_NAMES).toEqual(expect.arrayContaining(['capture', 'close', 'brand', 'pulse', 'dot', 'sortDown', 'sortUp', 'pause', 'play', 'switch', 'warm', 'unload']));
  });
});
