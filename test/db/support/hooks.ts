import { stopAll } from './database';

// Root hooks: the embedded server (if any) is stopped once, after every file has run.
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopAll();
  },
};
