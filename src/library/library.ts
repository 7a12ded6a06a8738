import type { Database, DatabaseClient } from '../db/client';
import { NotFoundError } from '../db/errors';
import type { ResourcePage, RedeemResult } from '../db/queries';
import type { Resource, ResourceShare, ResourceType } from '../db/schema';
import type { TagCount } from '../db/tags';
import type { HistoryPage, HistoryPolicy, ResourceVersion } from '../db/versions';
import type { ImportReport, LibraryExport } from '../db/transfer';
import type {
  CreateResourceInput,
  HistoryOptions,
  HistoryPolicyInput,
  ListOptions,
  ShareInput,
  UpdateResourceInput,
} from '../db/validation';
import { Emitter } from '../common/events';
import { lazy } from '../common/lazy';
import { usableOf } from './text';
import { fillVariables } from './variables';
import type { ImportFile } from './importFiles';
import type { ExportFormat, ExportPlan } from './agentExport';
import type { RestoredVersion } from './versions';

// The data layer (drizzle, postgres.js, zod) loads with the first operation, not with the extension.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see lazy()
const dataLayer = lazy(() => require('./data') as typeof import('./data'));

export type StorageMode = 'local' | 'team';

/** An open connection to a library and the user acting in it. */
export interface LibrarySession {
  db: Database;
  client: DatabaseClient;
  userId: string;
  email: string;
  mode: StorageMode;
  label: string;
  /**
   * What keeps this user's rows from others: `single` (a local library, one user), `member` (a
   * login of their own, row-level security), `shared` (a login all members share: nothing does).
   */
  isolation: 'single' | 'member' | 'shared';
}

/** What a cancellable operation is given (VS Code's CancellationToken has this shape). */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => unknown): { dispose(): unknown };
}

/** Runs work on the current session: the VS Code adapter reconnects and cancels; plain Node just runs it. */
export interface SessionRunner {
  session(): Promise<LibrarySession>;
  run<T>(work: (session: LibrarySession) => Promise<T>, cancellation?: Cancellation): Promise<T>;
}

/** A runner over one open session, for plain Node (an MCP server, a script). */
export function sessionRunner(session: LibrarySession): SessionRunner {
  return { session: () => Promise.resolve(session), run: (work) => work(session) };
}

/** What changed in the library, told after every write; the views refresh from it. */
export interface LibraryChange {
  kind: 'created' | 'updated' | 'deleted' | 'shared' | 'used' | 'imported';
  resourceId?: string;
  /** The resource's type, when the change is about one resource: a view refreshes only its list. */
  resourceType?: ResourceType;
}

export interface ImportFilesOptions {
  /** Told after each entry: how many are done, of how many. */
  onProgress?: (done: number, total: number) => void;
  cancellation?: Cancellation;
  /**
   * Keep `isPublic: true` from the files. Default: yes in the local library (nobody else sees it),
   * no in a team database, where publishing needs the user's yes (the command asks).
   */
  keepPublic?: boolean;
}

export type ListScope = 'mine' | 'public';

/** How to fill a resource's text for a use. */
export interface RenderOptions {
  variables?: Readonly<Record<string, string>>;
  /** For a workflow: the 0-based step; all steps, one after the other, when omitted. */
  step?: number;
}

/**
 * The operations a user or an agent performs on the library, with the product's rules, over
 * whatever session the runner provides. Every write is followed by a change event.
 */
export class Library {
  private readonly changes = new Emitter<LibraryChange>();
  readonly onDidChange = this.changes.event;

  constructor(private readonly runner: SessionRunner) {}

  session(): Promise<LibrarySession> {
    return this.runner.session();
  }

  list(scope: ListScope, options: ListOptions, cancellation?: Cancellation): Promise<ResourcePage> {
    const query = scope === 'public' ? dataLayer().getPublicResources : dataLayer().getUserResources;
    return this.runner.run((s) => query(s.db, s.userId, options), cancellation);
  }

  /** The resource if this user may read it (theirs, public, or shared through a live token), else null. */
  get(id: string, viaShareToken?: string): Promise<Resource | null> {
    return this.runner.run((s) => dataLayer().getResourceById(s.db, s.userId, id, { viaShareToken }));
  }

  /** The same, or a NotFoundError that says so. */
  async require(id: string, viaShareToken?: string): Promise<Resource> {
    const resource = await this.get(id, viaShareToken);
    if (!resource) throw new NotFoundError('resource');
    return resource;
  }

  /** The user's own resources among these ids, content included (what a page of the list leaves out), in no order. */
  getOwn(ids: readonly string[]): Promise<Resource[]> {
    return this.runner.run((s) => dataLayer().ownResourcesById(s.db, s.userId, ids));
  }

  async save(input: CreateResourceInput, cancellation?: Cancellation): Promise<Resource> {
    const saved = await this.runner.run((s) => dataLayer().createResource(s.db, s.userId, input), cancellation);
    return this.changed('created', saved);
  }

  /**
   * Updates the user's own resource; with `expectedUpdatedAt`, a stale version is a ConflictError.
   * A change of name, description or content is a version (with `note`, when given).
   */
  async update(id: string, patch: UpdateResourceInput, expectedUpdatedAt?: Date, options: { note?: string } = {}): Promise<Resource> {
    const updated = await this.runner.run((s) =>
      dataLayer().updateResource(s.db, s.userId, id, patch, { expectedUpdatedAt, note: options.note }),
    );
    return this.changed('updated', updated);
  }

  /** The versions of the user's own resource, newest first, a page at a time (nobody else's history is readable). */
  history(id: string, options: HistoryOptions = {}): Promise<HistoryPage> {
    return this.runner.run((s) => dataLayer().getHistory(s.db, s.userId, id, options));
  }

  /** One version of the user's own resource. */
  version(id: string, version: number): Promise<ResourceVersion> {
    return this.runner.run((s) => dataLayer().getVersion(s.db, s.userId, id, version));
  }

  /** Brings a version back as a new version; see restoreVersion. */
  async restoreVersion(id: string, version: number, options: { note?: string } = {}): Promise<RestoredVersion> {
    const restored = await this.runner.run((s) => dataLayer().restoreVersion(s.db, s.userId, id, version, options.note));
    this.changed('updated', restored.resource);
    return restored;
  }

  /** Makes these the tags of the user's own resource (checked and lower-cased); returns them as stored. */
  async setTags(id: string, tags: readonly string[]): Promise<string[]> {
    const stored = await this.runner.run((s) => dataLayer().setResourceTags(s.db, s.userId, id, tags));
    this.changes.fire({ kind: 'updated', resourceId: id });
    return stored;
  }

  /** The tags of the user's own resource. */
  resourceTags(id: string): Promise<string[]> {
    return this.runner.run((s) => dataLayer().getResourceTags(s.db, s.userId, id));
  }

  /** The user's tags with how many resources have each (of a type, when given). */
  tags(options: { type?: ResourceType } = {}): Promise<TagCount[]> {
    return this.runner.run((s) => dataLayer().getUserTags(s.db, s.userId, options));
  }

  /** How many versions the library's database keeps per resource. */
  historyPolicy(): Promise<HistoryPolicy> {
    return this.runner.run((s) => dataLayer().getHistoryPolicy(s.db));
  }

  /** Changes it for every writer of this database (a lower limit prunes at once). */
  setHistoryPolicy(policy: HistoryPolicyInput): Promise<HistoryPolicy> {
    return this.runner.run((s) => dataLayer().setHistoryPolicy(s.db, policy));
  }

  async setPinned(id: string, pinned: boolean): Promise<Resource> {
    return this.changed('updated', await this.runner.run((s) => dataLayer().setPinned(s.db, s.userId, id, pinned)));
  }

  async delete(id: string): Promise<void> {
    await this.runner.run((s) => dataLayer().deleteResource(s.db, s.userId, id));
    this.changes.fire({ kind: 'deleted', resourceId: id });
  }

  /** A copy in the user's library that remembers its parent; a private one only through a live share token. */
  async fork(id: string, options: { name?: string; viaShareToken?: string } = {}, cancellation?: Cancellation): Promise<Resource> {
    const forked = await this.runner.run((s) => dataLayer().forkResource(s.db, s.userId, id, options), cancellation);
    return this.changed('created', forked);
  }

  async share(resourceId: string, input: ShareInput = {}, cancellation?: Cancellation): Promise<ResourceShare> {
    const share = await this.runner.run((s) => dataLayer().createShare(s.db, s.userId, resourceId, input), cancellation);
    this.changes.fire({ kind: 'shared', resourceId });
    return share;
  }

  shares(resourceId: string): Promise<ResourceShare[]> {
    return this.runner.run((s) => dataLayer().listShares(s.db, s.userId, resourceId));
  }

  shareById(shareId: string): Promise<ResourceShare | null> {
    return this.runner.run((s) => dataLayer().getShareById(s.db, s.userId, shareId));
  }

  async revokeShare(share: ResourceShare): Promise<void> {
    await this.runner.run((s) => dataLayer().revokeShare(s.db, s.userId, share.id));
    this.changes.fire({ kind: 'shared', resourceId: share.resourceId });
  }

  /** Opens what someone shared: counts one access, if the token is live and has uses left. */
  redeem(token: string): Promise<RedeemResult> {
    return this.runner.run((s) => dataLayer().redeemShare(s.db, s.userId, token));
  }

  /**
   * The text a use of the resource gives: a prompt with its variables filled (a variable without a
   * value takes its default, or stays as written), a workflow step or all its steps (filled alike),
   * an agent config as JSON. Undefined for a workflow step that does not exist.
   */
  render(resource: Pick<Resource, 'resourceType' | 'content'>, options: RenderOptions = {}): string | undefined {
    const usable = usableOf(resource);
    const fill = (text: string) => fillVariables(text, options.variables ?? {});
    if (usable.kind === 'prompt') return fill(usable.text);
    if (usable.kind === 'text') return usable.text;
    if (options.step === undefined) return usable.steps.map((step) => fill(step.text)).join('\n\n');
    const step = usable.steps[options.step];
    return step && fill(step.text);
  }

  /** Counts a use. Only the owner's counters change: using someone else's public resource counts nowhere. */
  async recordUse(resource: Pick<Resource, 'id' | 'userId'>): Promise<boolean> {
    const counted = await this.runner.run(async (s) => {
      if (resource.userId !== s.userId) return false;
      await dataLayer().recordExecution(s.db, s.userId, resource.id);
      return true;
    });
    if (counted) this.changes.fire({ kind: 'used', resourceId: resource.id });
    return counted;
  }

  export(cancellation?: Cancellation): Promise<LibraryExport> {
    return this.runner.run((s) => dataLayer().exportLibrary(s.db, s.userId), cancellation);
  }

  /** Imports our own JSON export (as parsed); public entries as ImportFilesOptions.keepPublic says. */
  async import(data: unknown, options: Pick<ImportFilesOptions, 'cancellation' | 'keepPublic'> = {}): Promise<ImportReport> {
    const report = await this.runner.run(
      (s) => dataLayer().importLibrary(s.db, s.userId, data, { keepPublic: options.keepPublic ?? s.mode === 'local' }),
      options.cancellation,
    );
    this.changes.fire({ kind: 'imported' });
    return report;
  }

  /**
   * Imports files, each read by the importer its name or content calls for (our JSON, a
   * prompts.chat CSV), every entry in one transaction; see importFiles.ts for what fails.
   */
  async importFiles(files: readonly ImportFile[], options: ImportFilesOptions = {}): Promise<ImportReport> {
    const entries = await dataLayer().linkExportedFiles(dataLayer().entriesOfFiles(files), (ids) =>
      this.runner.run((s) => dataLayer().ownResourcesById(s.db, s.userId, ids), options.cancellation),
    );
    const report = await this.runner.run(
      (s) =>
        dataLayer().importEntries(s.db, s.userId, entries, {
          onProgress: options.onProgress,
          keepPublic: options.keepPublic ?? s.mode === 'local',
        }),
      options.cancellation,
    );
    this.changes.fire({ kind: 'imported' });
    return report;
  }

  /**
   * The files of these resources (all of the user's when `ids` is omitted) in an agent format, for
   * a folder that already holds `existing`; nothing is written here (the caller writes the files).
   */
  async exportFiles(
    format: ExportFormat,
    options: { ids?: readonly string[]; existing?: readonly { path: string; text: string }[] } = {},
    cancellation?: Cancellation,
  ): Promise<ExportPlan> {
    const resources = options.ids
      ? await Promise.all(options.ids.map((id) => this.require(id)))
      : await this.runner.run((s) => dataLayer().ownResources(s.db, s.userId), cancellation);
    return dataLayer().planExport(resources, format, options.existing ?? []);
  }

  dispose(): void {
    this.changes.dispose();
  }

  private changed(kind: LibraryChange['kind'], resource: Resource): Resource {
    this.changes.fire({ kind, resourceId: resource.id, resourceType: resource.resourceType });
    return resource;
  }
}

/** The suggested name of a fork ("X (fork)", "X (fork 2)"...). */
export function forkName(name: string): string {
  return dataLayer().forkName(name);
}
