// A second vault in a test (another instance's, writing straight to the database) only
// promotes versions the test marked validated itself; it must never validate.
import type { TokenValidation } from '../../src/vault/validation-types';

export const refusingValidation: TokenValidation = {
  validate: async () => {
    throw new Error('this test vault does not validate: the test marks versions validated itself');
  },
};
