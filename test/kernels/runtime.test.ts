import { describe, expect, it } from 'vitest';
import { cpuInfo, setIsa } from '../../src/index.js';
import { Cnn2MlpError } from '../../src/errors.js';

describe('runtime', () => {
  it('reports the CPU and an active ISA it supports', () => {
    const info = cpuInfo();
    expect(info.logicalCores).toBeGreaterThan(0);
    expect(info.supportedIsas).toContain('scalar');
    expect(info.supportedIsas).toContain(info.activeIsa);
    expect(info.supportedIsas).toContain(info.bestIsa);
  });

  it('forces every supported ISA and refuses unknown names', () => {
    const { supportedIsas, bestIsa } = cpuInfo();
    try {
      for (const isa of supportedIsas) expect(setIsa(isa)).toBe(isa);
      expect(() => setIsa('sse9' as never)).toThrow(Cnn2MlpError);
    } finally {
      expect(setIsa('auto')).toBe(bestIsa);
    }
  });
});
