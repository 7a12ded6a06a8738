import { defineConfig } from 'drizzle-kit';

// Generation is offline: drizzle-kit diffs src/db/schema.ts against migrations/ and needs no database.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
});
