import { describe, expect, it } from 'vitest';
import { firstTokenTimes } from './llama-swap-map';

/** The protocol reference's §5.1 example row, built from llama-server timings (§12.8). */
const row = { inputTokens: 1, outputTokens: 35, promptTps: 32.3, genTps: 52.9, durationMs: 4212 };

describe('time to first token from an activity row', () => {
  it('recovers prompt_ms and takes TTFT as the duration before generation', () => {
    const t = firstTokenTimes(row);
    expect(t.promptMs).toBe(31); // 1 token at 32.3 t/s: llama-server said prompt_ms 30.9
    // 4212 ms in all, 35 tokens at 52.9 t/s = 661.6 ms of generation
    expect(t.ttftMs).toBe(3550.4);
  });

  it('is never below the prompt processing time (duration_ms is at least prompt + predicted)', () => {
    const t = firstTokenTimes({ inputTokens: 1000, outputTokens: 100, promptTps: 1000, genTps: 100, durationMs: 1500 });
    expect(t.promptMs).toBe(1000);
    expect(t.ttftMs).toBe(1000);
  });

  it('is unknown without timings: -1 speeds, error rows with zeros, or nothing generated', () => {
    expect(firstTokenTimes({ ...row, promptTps: -1, genTps: -1 })).toEqual({ ttftMs: null, promptMs: null });
    expect(firstTokenTimes({ inputTokens: 0, outputTokens: 0, promptTps: 0, genTps: 0, durationMs: 12 })).toEqual({ ttftMs: null, promptMs: null });
    expect(firstTokenTimes({ ...row, outputTokens: 0, genTps: 0 })).toEqual({ ttftMs: null, promptMs: 31 });
    expect(firstTokenTimes({ ...row, genTps: -1 }).ttftMs).toBeNull();
  });
});
