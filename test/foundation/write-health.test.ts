import { WriteHealth, UNREADY_AFTER_WRITE_FAILURE_MS } from '../../src/store/write-health';

describe('WriteHealth', () => {
  it('fails after a write failure, recovers on success or after the unready period', () => {
    let now = 1_000;
    const w = new WriteHealth(() => now);
    expect(w.failing()).toBeUndefined();
    w.noteFailure(Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' }));
    expect(w.failing()).toBe('SQLITE_FULL');
    now += 10;
    w.noteSuccess();
    expect(w.failing()).toBeUndefined();
    now += 10;
    w.noteFailure(new TypeError('x'));
    expect(w.failing()).toBe('TypeError');
    now += UNREADY_AFTER_WRITE_FAILURE_MS - 1;
    expect(w.failing()).toBe('TypeError');
    now += 1;
    expect(w.failing()).toBeUndefined();
  });
});
