import { describe, expect, it } from 'vitest';
import { enginesExcluding, rangeAdmits } from './engines';

describe('locked engines against the declared Node', () => {
  it('reads the range forms found in lockfiles', () => {
    expect(rangeAdmits('>=22', '20.19.0')).toBe(false);
    expect(rangeAdmits('^20.19.0 || >=22.12.0', '20.19.0')).toBe(true);
    expect(rangeAdmits('18 || 20 || >=22', '20.19.0')).toBe(true);
    expect(rangeAdmits('>= 0.8', '20.19.0')).toBe(true);
    expect(rangeAdmits('^20.19.1', '20.19.0')).toBe(false);
    expect(rangeAdmits('>=18 <20', '20.19.0')).toBe(false);
  });

  it('names the packages a lockfile locks that the minimum Node cannot run', () => {
    const lock = ["  cookie@1.1.1:", "    resolution: {integrity: x}", "    engines: {node: '>=18'}", '', '  cookie@2.0.2:', '    resolution: {integrity: y}', "    engines: {node: '>=22'}"].join('\n');
    expect(enginesExcluding(lock, '20.19.0')).toEqual(['cookie@2.0.2 needs node >=22']);
  });
});
