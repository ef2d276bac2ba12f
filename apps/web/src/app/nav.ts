/** The Control page's views, in nav order. Later issues fill in the placeholder views. */
export const CONTROL_VIEWS = [
  { path: 'fleet', label: 'Fleet', key: 'f' },
  { path: 'activity', label: 'Activity', key: 'a' },
  { path: 'logs', label: 'Logs', key: 'l' },
  { path: 'models', label: 'Models', key: 'o' },
  { path: 'benchmarks', label: 'Benchmarks', key: 'b' },
  { path: 'evals', label: 'Evals', key: 'e' },
  { path: 'reports', label: 'Reports', key: 'r' },
] as const;
