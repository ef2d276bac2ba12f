import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AlertRuleSchema, AlertsFileSchema, type AlertRule, type AlertsFile } from '@boocontrol/contracts';
import { AppError } from '../lib/errors';

/** The shipped rules: what everyone wants told about without writing a file (docs/alerts.md). */
export const DEFAULT_RULES: AlertRule[] = [
  { id: 'host-offline', kind: 'host_offline', severity: 'critical', forS: 60 },
  { id: 'crash-loop', kind: 'crash_loop', severity: 'critical', failures: 3, windowS: 600 },
  { id: 'swap-storm', kind: 'swap_storm', severity: 'warning', swaps: 10, windowS: 600 },
  { id: 'gpu-hot', kind: 'gpu_temp', severity: 'warning', aboveC: 85, forS: 120 },
  { id: 'ttft-regression', kind: 'ttft_regression', severity: 'warning', factor: 1.5, windowS: 900, minRequests: 20 },
  { id: 'eval-drop', kind: 'eval_drop', severity: 'warning' },
].map((r) => AlertRuleSchema.parse(r));

export interface AlertsConfig extends AlertsFile {
  file: string | null;
}

/** Parses and validates an alerts file's text; ALERTS_FILE_INVALID with the issues otherwise. */
export function parseAlertsFile(text: string, file: string | null): AlertsConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new AppError('ALERTS_FILE_INVALID', `${file ?? 'alerts file'}: not valid YAML: ${(err as Error).message}`);
  }
  const r = AlertsFileSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw new AppError('ALERTS_FILE_INVALID', `${file ?? 'alerts file'}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, { issues });
  }
  const f = r.data;
  const ids = new Set<string>();
  for (const rule of f.rules) {
    if (ids.has(rule.id)) throw new AppError('ALERTS_FILE_INVALID', `${file ?? 'alerts file'}: rule id "${rule.id}" appears twice`);
    ids.add(rule.id);
  }
  const names = new Set<string>();
  for (const c of f.notify) {
    if (names.has(c.name)) throw new AppError('ALERTS_FILE_INVALID', `${file ?? 'alerts file'}: channel name "${c.name}" appears twice`);
    names.add(c.name);
  }
  // A file rule replaces the default with its id; the other defaults stay unless defaults: false.
  const rules = [...(f.defaults ? DEFAULT_RULES.filter((d) => !ids.has(d.id)) : []), ...f.rules];
  return { ...f, rules, file };
}

/** The rules in force: ALERTS_FILE when set (read once, at start-up), else the defaults. */
export function loadAlertsConfig(path: string | undefined): AlertsConfig {
  if (!path) return { defaults: true, rules: DEFAULT_RULES, notify: [], delivery: { attempts: 6, backoffMs: 2000 }, file: null };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError('ALERTS_FILE_INVALID', `cannot read ALERTS_FILE ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseAlertsFile(text, path);
}
