import { describe, expect, it } from 'vitest';
import { diffLines, unifiedDiff } from './diff';

describe('unifiedDiff', () => {
  it('is empty for identical texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n')).toEqual({ text: '', added: 0, removed: 0 });
  });

  it('writes diff -u hunks with three lines of context', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', ''].join('\n');
    const b = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', ''].join('\n');
    expect(unifiedDiff(a, b).text).toBe(['--- a/config.yaml', '+++ b/config.yaml', '@@ -2,7 +2,7 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ''].join('\n'));
  });

  it('splits distant changes into separate hunks and merges close ones', () => {
    const a = Array.from({ length: 30 }, (_, i) => `l${i}`).join('\n') + '\n';
    const far = a.replace('l2\n', 'x2\n').replace('l25\n', 'x25\n');
    expect(unifiedDiff(a, far).text.match(/^@@/gm)).toHaveLength(2);
    const near = a.replace('l2\n', 'x2\n').replace('l7\n', 'x7\n');
    expect(unifiedDiff(a, near).text.match(/^@@/gm)).toHaveLength(1);
  });

  it('handles empty sides and a missing final newline', () => {
    expect(unifiedDiff('', 'a\n').text).toBe('--- a/config.yaml\n+++ b/config.yaml\n@@ -0,0 +1 @@\n+a\n');
    expect(unifiedDiff('a\n', '').text).toBe('--- a/config.yaml\n+++ b/config.yaml\n@@ -1 +0,0 @@\n-a\n');
    expect(unifiedDiff('a\n', 'a').text).toBe('--- a/config.yaml\n+++ b/config.yaml\n@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n');
  });

  it('produces a minimal edit script', () => {
    const ops = diffLines('a\nb\nc\nd\n', 'a\nc\nd\ne\n');
    expect(ops.filter((o) => o.kind !== 'equal')).toEqual([
      { kind: 'delete', line: 'b' },
      { kind: 'insert', line: 'e' },
    ]);
  });

  it('reconstructs the new text from the old one for random edits', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 200; round++) {
      const gen = () => Array.from({ length: rnd(20) }, () => 'abcd'[rnd(4)]).join('\n') + (rnd(3) ? '\n' : '');
      const a = gen();
      const b = gen();
      const rebuilt = diffLines(a, b)
        .filter((o) => o.kind !== 'delete')
        .map((o) => o.line);
      const bLines = b === '' ? [] : b.replace(/\n$/, '').split('\n');
      expect(rebuilt).toEqual(bLines);
      const d = unifiedDiff(a, b);
      expect(d.added + d.removed === 0).toBe(a === b);
    }
  });
});
