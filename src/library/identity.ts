import { execFile } from 'node:child_process';

/** The user's email: the setting when set, else `git config user.email`, else undefined. */
export async function resolveUserEmail(setting: string | undefined, cwd?: string): Promise<string | undefined> {
  if (setting?.trim()) return setting.trim();
  return new Promise((resolve) => {
    execFile('git', ['config', '--get', 'user.email'], { cwd, timeout: 3000 }, (err, stdout) => {
      const email = String(stdout ?? '').trim();
      resolve(err || !email ? undefined : email);
    });
  });
}
