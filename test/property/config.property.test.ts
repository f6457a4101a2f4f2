// Arbitrary environments never crash the config parser: they parse, or fail with
// ConfigError lines that each name a variable.
import fc from 'fast-check';
import { loadConfig, ConfigError, envSchema } from '../../src/config';

const names = Object.keys(envSchema.shape);

describe('config parser (property)', () => {
  it('never throws anything but ConfigError, and every problem names a variable', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...names), fc.oneof(fc.string(), fc.stringMatching(/^\d{1,6}$/), fc.constant(''))),
        (env) => {
          try {
            const c = loadConfig(env);
            expect(typeof c.port).toBe('number');
            expect(c.encryptionKeys.every((k) => k.length === 32)).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(ConfigError);
            for (const line of (err as ConfigError).problems) {
              expect(names.some((n) => line.startsWith(`${n}:`))).toBe(true);
              expect(line).not.toContain('\n');
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
