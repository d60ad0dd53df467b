import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';
import { UNIT_TESTS } from './test/unit-tests.js';

/** `npm run test:unit`: the fast subset listed (and checked) in test/unit-tests.ts; otherwise as vitest.config.ts. */
export default defineConfig({ ...base, test: { ...base.test, include: [...UNIT_TESTS] } });
