import { describe, expect, it } from 'vitest';
import { FLOORS, SUITE_FLOOR } from './support/floors.js';

describe('fuzz floors', () => {
  it('add up to the 10,000 requests the suite promises', () => {
    const total = Object.values(FLOORS).reduce((sum, floor) => sum + floor, 0);
    expect(total).toBeGreaterThanOrEqual(SUITE_FLOOR);
  });
});
