// zod field builders that fail with Django REST framework's messages.
import { z } from 'zod';

export const requiredString = () =>
  z.string({
    error: (iss) => (iss.input === undefined ? 'This field is required.' : 'Not a valid string.'),
  });

export const nonBlank = () => requiredString().min(1, 'This field may not be blank.');

export const maxChars = (n: number) =>
  requiredString().max(n, `Ensure this field has no more than ${n} characters.`);
