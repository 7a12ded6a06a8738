import * as vscode from 'vscode';
import { UserFacingError } from '../common/userError';
import { notify } from '../common/notify';
import type { Resource, ResourceShare } from '../db/schema';
import { shareTokenPattern } from '../db/tokens';
import type { ShareInput } from '../db/validation';
import { maskToken, shareStatus, typeNames } from '../views/presentation';
import { isProgrammatic, resourceIdFrom, shareIdFrom, type ResourceArgument } from './arguments';
import type { CommandContext } from './context';
import { copyToClipboard } from './clipboard';
import { withCancellableProgress } from './progress';
import { sharedReader } from './readable';
import { readShareBaseUrl } from '../storage/settings';

/** The token, or `<shareBaseUrl>/<token>` when a base URL is configured. */
export function shareText(token: string): string {
  const base = readShareBaseUrl();
  return base ? `${base.replace(/\/+$/, '')}/${token}` : token;
}

/** The token in what the user pasted: a bare token or a link ending in one. */
export function tokenFromInput(text: string): string | undefined {
  const candidate =
    text
      .trim()
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .split('/')
      .pop() ?? '';
  return shareTokenPattern.test(candidate) ? candidate : undefined;
}

async function share(ctx: CommandContext, arg?: ResourceArgument, options?: ShareInput): Promise<ResourceShare | undefined> {
  const programmatic = isProgrammatic(arg);
  const id = await resourceIdFrom(ctx, arg, 'Share which resource?');
  if (!id) return undefined;
  const input = options ?? (programmatic ? {} : await askShareOptions());
  if (!input) return undefined;
  const created = await withCancellableProgress('Creating a share…', (token) => ctx.library.share(id, input, token));
  const text = shareText(created.shareToken);
  const what = text === created.shareToken ? 'token' : 'link';
  // The share exists either way: a failed copy says where to copy it from again.
  await copyToClipboard(
    text,
    `the share ${what}`,
    'The share was created: expand the resource in the library and use Copy Share Token on it.',
  );
  notify('info', `Share ${what} copied to the clipboard (${shareStatus(created)}).`);
  return created;
}

async function askShareOptions(): Promise<ShareInput | undefined> {
  const expiry = await vscode.window.showQuickPick(
    [
      { label: 'Never expires', hours: null },
      { label: '1 day', hours: 24 },
      { label: '7 days', hours: 24 * 7 },
      { label: '30 days', hours: 24 * 30 },
      { label: 'Custom…', hours: -1 },
    ],
    { title: 'Share: expiry', placeHolder: 'How long may the token be used?' },
  );
  if (!expiry) return undefined;
  let expiresInHours = expiry.hours;
  if (expiresInHours === -1) {
    const value = await vscode.window.showInputBox({
      title: 'Share: expiry',
      prompt: 'Hours until the token expires',
      validateInput: (v) => (Number(v) > 0 && Number(v) <= 87_840 ? undefined : 'Enter a number of hours from 1 to 87840 (10 years).'),
    });
    if (value === undefined) return undefined;
    expiresInHours = Number(value);
  }
  const uses = await vscode.window.showQuickPick(
    [
      { label: 'Unlimited uses', max: null },
      { label: '1 use', max: 1 },
      { label: '10 uses', max: 10 },
      { label: 'Custom…', max: -1 },
    ],
    { title: 'Share: uses', placeHolder: 'How many times may it be opened?' },
  );
  if (!uses) return undefined;
  let maxAccesses = uses.max;
  if (maxAccesses === -1) {
    const value = await vscode.window.showInputBox({
      title: 'Share: uses',
      prompt: 'Number of uses',
      validateInput: (v) =>
        Number.isInteger(Number(v)) && Number(v) >= 1 && Number(v) <= 1_000_000 ? undefined : 'Enter a whole number from 1 to 1000000.',
    });
    if (value === undefined) return undefined;
    maxAccesses = Number(value);
  }
  return { expiresInHours, maxAccesses };
}

async function shareFrom(ctx: CommandContext, arg: unknown): Promise<ResourceShare | undefined> {
  let shareId = shareIdFrom(arg);
  if (!shareId) {
    const resourceId = await resourceIdFrom(ctx, undefined, 'Which resource’s share?');
    if (!resourceId) return undefined;
    const shares = await ctx.library.shares(resourceId);
    if (shares.length === 0) throw new UserFacingError('This resource has no shares yet: run Share Resource to create one.');
    shareId = (
      await vscode.window.showQuickPick(
        shares.map((s) => ({ label: maskToken(s.shareToken), description: shareStatus(s), id: s.id })),
        { placeHolder: 'Which share?' },
      )
    )?.id;
    if (!shareId) return undefined;
  }
  const found = await ctx.library.shareById(shareId);
  if (!found) throw new UserFacingError('Share not found: it may have been revoked. Refresh the library.');
  return found;
}

async function copyShareToken(ctx: CommandContext, arg?: unknown): Promise<string | undefined> {
  const found = await shareFrom(ctx, arg);
  if (!found) return undefined;
  const text = shareText(found.shareToken);
  const what = text === found.shareToken ? 'token' : 'link';
  await copyToClipboard(text, `the share ${what}`, 'Try Copy Share Token again.');
  notify('info', `Share ${what} copied to the clipboard.`);
  return text;
}

async function revokeShare(ctx: CommandContext, arg?: unknown): Promise<void> {
  const found = await shareFrom(ctx, arg);
  if (!found) return;
  if (!isProgrammatic(arg)) {
    const choice = await vscode.window.showWarningMessage(
      `Revoke share ${maskToken(found.shareToken)}?`,
      { modal: true, detail: 'The token stops working at once for everyone who has it.' },
      'Revoke',
    );
    if (choice !== 'Revoke') return;
  }
  await ctx.library.revokeShare(found);
}

const redeemMessages = {
  unknown: 'No share has this token: it may have been revoked, or mistyped. Ask for a new one.',
  expired: 'This share token has expired. Ask its owner for a new one.',
  exhausted: 'This share token has been used as many times as its owner allowed. Ask for a new one.',
};

/** Opens what someone shared: a read-only preview, with Fork and Use. */
async function openShared(ctx: CommandContext, arg?: string): Promise<Resource | undefined> {
  const input =
    typeof arg === 'string'
      ? arg
      : await vscode.window.showInputBox({
          title: 'Open Shared Resource',
          prompt: 'Paste the share token or link you were sent',
          ignoreFocusOut: true,
          validateInput: (v) =>
            v.trim() === '' || tokenFromInput(v) ? undefined : 'A share token is 32 letters and digits (or a link ending in one).',
        });
  if (input === undefined || input.trim() === '') return undefined;
  const token = tokenFromInput(input);
  if (!token) throw new UserFacingError('That is not a share token: a token is 32 letters and digits, or a link that ends in one.');
  const result = await ctx.library.redeem(token);
  if (!result.ok) throw new UserFacingError(redeemMessages[result.reason]);
  const uri = ctx.previews.add(token, result.resource, sharedReader(ctx));
  await vscode.window.showTextDocument(uri, { preview: true });
  const { resource } = result;
  notify(
    'info',
    `Shared ${typeNames[resource.resourceType]} “${resource.name}” (read-only preview).`,
    { title: 'Fork to My Library', command: 'agentResources.fork', args: [resource.id, { viaShareToken: token }] },
    { title: 'Use', command: 'agentResources.use', args: [resource.id] },
  );
  return resource;
}

export const shareCommands = { share, copyShareToken, revokeShare, openShared };
