/**
 * Reconnect schedule of the control stream: 0.5 s, 1 s, 2 s, 4 s, then 8 s forever, each with
 * ±20 % jitter so that many tabs reconnecting after a control restart do not stampede it.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(500 * 2 ** Math.max(0, attempt - 1), 8000);
  return Math.round(base * (0.8 + 0.4 * random()));
}
