import { describe, expect, it } from 'vitest';
import { percentOf, PullOutputParser } from './pull-progress';

function collect() {
  const lines: string[] = [];
  const updates: Array<[string, number | undefined]> = [];
  const p = new PullOutputParser({ line: (t) => lines.push(t), update: (t, pc) => updates.push([t, pc]) });
  return { p, lines, updates };
}

describe('pull output parsing', () => {
  it('finds the last percentage in a line', () => {
    expect(percentOf('model.gguf:  45%|####5     | 2.1G/4.7G [00:30<00:37, 70.0MB/s]')).toBe(45);
    expect(percentOf('Fetching 3 files: 33.3%|###')).toBe(33.3);
    expect(percentOf('no progress here')).toBeUndefined();
    expect(percentOf('weird 250%')).toBeUndefined();
  });

  it('logs finished lines and treats \\r redraws as progress only', () => {
    const { p, lines, updates } = collect();
    p.push(Buffer.from('Downloading x\nmodel.gguf:  10%|#\rmodel.gguf:  55%|#####\r'));
    p.push(Buffer.from('model.gguf: 100%|##########|\r\nFetching 1 files: 100%\n'));
    expect(lines).toEqual(['Downloading x', 'model.gguf: 100%|##########|', 'Fetching 1 files: 100%']);
    expect(updates.map((u) => u[1])).toEqual([undefined, 10, 55, 100, 100]);
  });

  it('joins lines and UTF-8 split across chunks, strips ANSI, flushes the rest at the end', () => {
    const { p, lines } = collect();
    const text = Buffer.from('\u001b[32mgrün\u001b[0m line\r\nlast');
    p.push(text.subarray(0, 12));
    p.push(text.subarray(12, 20));
    p.push(text.subarray(20));
    p.end();
    expect(lines).toEqual(['grün line', 'last']);
  });
});
