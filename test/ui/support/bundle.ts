// A mocha root hook: the UI suite tests the bundles of this tree, built as `npm run build` does.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './workbench';

export const mochaHooks = {
  beforeAll(): void {
    execFileSync(process.execPath, [join(root, 'esbuild.mjs'), '--production'], { stdio: 'inherit', cwd: root });
  },
};
