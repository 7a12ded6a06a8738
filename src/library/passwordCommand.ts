import { exec } from 'node:child_process';
import { UserFacingError } from '../common/userError';

export interface PasswordCommandOptions {
  /** How long one password is used for new connections; cloud IAM tokens live 15 minutes or more. */
  reuseMs?: number;
  timeoutMs?: number;
  /** Told every password the command prints, so that no log line can show it. */
  onPassword?: (password: string) => void;
}

/**
 * The password of each new connection, printed by a command the user configured (their cloud's
 * IAM token, a secret manager): `aws rds generate-db-auth-token ...`. The driver asks for it per
 * connection; a pool opening several at once runs the command once, and a password is reused for
 * a while, since such commands take a second or more. The function rejects when the command fails:
 * give the driver `neverRejecting` of it (postgres.js does not catch a rejected password).
 */
export function passwordFromCommand(command: string, o: PasswordCommandOptions = {}): () => Promise<string> {
  const reuseMs = o.reuseMs ?? 5 * 60_000;
  let current: { password: Promise<string>; at: number } | undefined;
  return () => {
    if (!current || Date.now() - current.at > reuseMs) {
      const run = { password: runPasswordCommand(command, o.timeoutMs ?? 30_000), at: Date.now() };
      current = run;
      // A failure is not kept: the next connection runs the command again.
      run.password.then(o.onPassword, () => {
        if (current === run) current = undefined;
      });
    }
    return current.password;
  };
}

/** Its standard output, trimmed; a failure names the exit and the first line of its errors, never its output. */
function runPasswordCommand(command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    exec(command, { timeout: timeoutMs, maxBuffer: 64 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      const said = stderr.trim().split('\n')[0]?.slice(0, 300);
      if (err) {
        const how = err.killed ? `did not finish within ${timeoutMs / 1000} s` : `failed (exit code ${String(err.code ?? '?')})`;
        reject(new UserFacingError(`The password command ${how}${said ? `: ${said}` : ''}. Run it in a terminal to see why.`));
        return;
      }
      const password = stdout.trim();
      if (!password) {
        reject(new UserFacingError('The password command printed no password. Run it in a terminal to see why.'));
        return;
      }
      resolve(password);
    });
  });
}

/**
 * For the driver: postgres.js awaits the password in a promise nobody catches, so a rejection
 * would be unhandled and the connection would hang until its timeout. A failed command gives an
 * empty password instead, which the server refuses at once; the command's own message comes from
 * calling the source before connecting (teamConnection.ts).
 */
export function neverRejecting(source: () => Promise<string>, map: (password: string) => string = (p) => p): () => Promise<string> {
  return () => source().then(map, () => '');
}
