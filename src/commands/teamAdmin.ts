import * as vscode from 'vscode';
import { notify } from '../common/notify';
import { UserFacingError } from '../common/userError';
import { addTeamMember as addMember, enableMemberIsolation as enableIsolation } from '../library/teamAdmin';
import type { CommandContext } from './context';

/** The team session, as an administrator connected to it (the tables' owner or a superuser). */
async function adminSession(ctx: CommandContext) {
  if (ctx.storage.state.mode !== 'team') {
    throw new UserFacingError('Connect to the team database first, as its owner or a superuser ("Connect to Postgres…").');
  }
  return ctx.library.session();
}

/** Switches row-level security on: from then on each member's login sees only its own and public rows. */
async function enableMemberIsolation(ctx: CommandContext, args?: { confirm?: boolean }): Promise<void> {
  const session = await adminSession(ctx);
  if (args?.confirm !== true) {
    const choice = await vscode.window.showWarningMessage(
      `Keep team members apart in ${session.label}?`,
      {
        modal: true,
        detail:
          'Creates the role agent_resources_member, grants it the resource tables, and turns row-level security on. ' +
          'Members then need a login of their own ("Add Team Member"); a login mapped to no user sees nothing. ' +
          'The chat app, connecting as the tables’ owner, is not affected. The same script is migrations/admin/enable-member-isolation.sql.',
      },
      'Turn On Isolation',
    );
    if (choice !== 'Turn On Isolation') return;
  }
  await enableIsolation(session.client.sql, ctx.storage.migrationsFolder());
  ctx.log.info(`Member isolation is on in ${session.label}`);
  await ctx.storage.reconnect();
}

export interface AddMemberArgs {
  login?: string;
  email?: string;
  password?: string;
}

/** Gives a member a login of their own, mapped to their user in the chat app's table. */
async function addTeamMember(ctx: CommandContext, args: AddMemberArgs = {}): Promise<{ login: string } | undefined> {
  const session = await adminSession(ctx);
  const login =
    args.login ??
    (await vscode.window.showInputBox({
      title: 'Add Team Member (1/3)',
      prompt: 'The member’s database login (created when it does not exist)',
      placeHolder: 'alice',
      ignoreFocusOut: true,
      validateInput: (v) =>
        /^[a-z_][a-z0-9_$-]{0,62}$/i.test(v.trim()) ? undefined : 'Letters, digits, _ $ or -, starting with a letter or _',
    }));
  if (!login) return undefined;
  const email =
    args.email ??
    (await vscode.window.showInputBox({
      title: 'Add Team Member (2/3)',
      prompt: 'Their email in the chat app',
      placeHolder: 'alice@example.com',
      ignoreFocusOut: true,
      validateInput: (v) => (/^\S+@\S+$/.test(v.trim()) ? undefined : 'An email address such as alice@example.com'),
    }));
  if (!email) return undefined;
  const password =
    args.password ??
    (await vscode.window.showInputBox({
      title: 'Add Team Member (3/3)',
      prompt:
        'A password for a new login (sent as a SCRAM verifier, never in clear text). Empty: the login signs in otherwise (IAM, certificates).',
      password: true,
      ignoreFocusOut: true,
    }));
  if (password === undefined) return undefined;
  const { createdLogin } = await addMember(session.client.sql, {
    login: login.trim(),
    email: email.trim(),
    password: password || undefined,
  });
  notify(
    'info',
    `${login.trim()} is now ${email.trim()} in ${session.label}${createdLogin ? ' (new login)' : ''}: they connect with their own login.`,
  );
  return { login: login.trim() };
}

export const teamAdminCommands = { enableMemberIsolation, addTeamMember };
