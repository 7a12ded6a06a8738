import { join } from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import type { Log } from '../common/log';
import { CancelledError, UserFacingError } from '../common/userError';
import type { SchemaState } from '../db/schemaCheck';
import { describeConnectionError, isConnectionProblem, type ConnectionTarget, type DescribedError } from '../library/connectionErrors';
import { resolveUserEmail } from '../library/identity';
import type { Cancellation, LibrarySession } from '../library/library';
import { lazy } from '../common/lazy';
import type { OpenedSession } from '../library/session';
import { resolveTeamConnection } from '../library/teamConnection';
import type { TeamSecrets } from './secrets';
import { readStorageSettings, type StorageMode } from './settings';

// Connecting (drizzle, postgres.js, the migrations) loads with the first connection, not with the extension.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see lazy()
const sessions = lazy(() => require('../library/session') as typeof import('../library/session'));

export type { StorageMode };

export type Session = LibrarySession;

export type StorageState =
  | { kind: 'idle'; mode: StorageMode; label: string }
  | { kind: 'connecting'; mode: StorageMode; label: string }
  | { kind: 'ready'; mode: StorageMode; label: string; session: Session }
  | { kind: 'offline'; mode: StorageMode; label: string; error: DescribedError }
  | { kind: 'setup'; mode: StorageMode; label: string; schema: SchemaState }
  /** No user to act as: no user has the email set, or (with `login`) the database login is mapped to none. */
  | { kind: 'noUser'; mode: StorageMode; label: string; email: string; login?: string };

// Seconds between tries: a failed start is not retried per request, nor in a tight loop.
const reconnectDelays = [2000, 5000, 10_000, 30_000, 60_000];

/**
 * Owns the connection to the library's Postgres: local (embedded, started on first need)
 * or team (from SecretStorage). Connects lazily, reports its state, and reconnects by
 * itself when the server goes away.
 */
export class StorageService extends Disposable {
  private readonly stateEmitter = this.register(new vscode.EventEmitter<StorageState>());
  readonly onDidChangeState = this.stateEmitter.event;
  private current: StorageState;
  private connection: OpenedSession | undefined;
  private connecting: Promise<Session> | undefined;
  private generation = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempt = 0;
  private lastFailure: string | undefined;
  /** Where the last connection went, for messages; its password only to redact it. */
  private lastTarget: ConnectionTarget | undefined;
  private lastPassword: string | undefined;

  constructor(
    private readonly context: { extensionPath: string },
    private readonly secrets: TeamSecrets,
    private readonly log: Log,
  ) {
    super();
    this.current = this.idleState();
    this.register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (this.switching) return;
        // The email only finds the member in a team database; the local library needs none.
        const identityChanged = e.affectsConfiguration('agentResources.userEmail') && this.current.mode === 'team';
        if (e.affectsConfiguration('agentResources.storage') || e.affectsConfiguration('agentResources.team') || identityChanged) {
          void this.reconnect().catch(() => {});
        }
      }),
    );
  }

  get state(): StorageState {
    return this.current;
  }

  /** The connected session, connecting first when needed. Throws a UserFacingError when it cannot. */
  session(): Promise<Session> {
    if (this.current.kind === 'ready') return Promise.resolve(this.current.session);
    // Until the next scheduled try, a failed connection answers with its error: no new attempt per request.
    if (this.current.kind === 'offline' && this.reconnectTimer)
      return Promise.reject(new UserFacingError(this.current.error.message, this.current.error.problem));
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /**
   * Runs a database operation; a lost connection marks the storage offline and starts reconnecting.
   * Cancelling the token ends the connection at once: the server rolls back what was not committed.
   */
  async run<T>(work: (session: Session) => Promise<T>, token?: Cancellation): Promise<T> {
    const session = await this.session();
    if (token?.isCancellationRequested) throw new CancelledError();
    let cancellation: { dispose(): unknown } | undefined;
    const cancelled = new Promise<never>((_, reject) => {
      cancellation = token?.onCancellationRequested(() => {
        reject(new CancelledError());
        this.abandon(session).catch((err) => this.log.error('Could not close the cancelled connection', err));
      });
    });
    try {
      return await Promise.race([work(session), cancelled]);
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      if (!isConnectionProblem(err)) throw err;
      const described = describeConnectionError(err, this.lastTarget, this.secretList());
      // The local server is ours: it is restarted by the reconnect, so say that instead.
      const shown: DescribedError =
        session.mode === 'local'
          ? { problem: 'lost', message: "The local library's database stopped unexpectedly; it is being restarted. Try again in a moment." }
          : described;
      // Another operation on this session already reported the loss (a refresh that ran alongside): say the same, once more.
      if (this.current.kind !== 'ready' || this.current.session !== session) throw new UserFacingError(shown.message, shown.problem);
      this.log.error(`Lost the connection: ${described.message}`);
      // State first: closing a pool whose server is gone waits for its timeout, and a reconnect may finish meanwhile.
      this.setState({ kind: 'offline', mode: session.mode, label: session.label, error: shown });
      this.scheduleReconnect();
      await this.closeConnection(0);
      throw new UserFacingError(shown.message, shown.problem);
    } finally {
      cancellation?.dispose();
    }
  }

  /** Drops a session whose statement the user cancelled; the next operation connects anew. */
  private async abandon(session: Session): Promise<void> {
    if (this.current.kind !== 'ready' || this.current.session !== session) return;
    this.generation++;
    this.log.info('Operation cancelled: closing its connection');
    this.setState(this.idleState());
    await this.closeConnection(0);
  }

  private switching = false;

  /** Switches between the local library and the team database; no window reload needed. */
  async switchTo(mode: StorageMode, teamLabel?: string): Promise<Session> {
    this.switching = true;
    try {
      const config = vscode.workspace.getConfiguration('agentResources');
      if (teamLabel !== undefined) await config.update('team.label', teamLabel, vscode.ConfigurationTarget.Global);
      await config.update('storage.mode', mode, vscode.ConfigurationTarget.Global);
    } finally {
      this.switching = false;
    }
    return this.reconnect();
  }

  /** Drops the connection and connects again (Retry, a settings change, a mode switch). */
  async reconnect(): Promise<Session> {
    this.generation++;
    this.clearReconnect();
    this.reconnectAttempt = 0;
    await this.connecting?.catch(() => {});
    // Idle before closing: statements cut by this close are not taken for a lost connection.
    this.current = this.idleState();
    await this.closeConnection();
    return this.session();
  }

  private async connect(): Promise<Session> {
    const generation = ++this.generation;
    const idle = this.idleState();
    const { mode } = idle;
    this.setState({ ...idle, kind: 'connecting' });
    try {
      const session = mode === 'local' ? await this.connectLocal() : await this.connectTeam();
      if (generation !== this.generation || this.isDisposed) {
        throw new UserFacingError('The storage changed while connecting.');
      }
      this.reconnectAttempt = 0;
      this.lastFailure = undefined;
      this.setState({ kind: 'ready', mode, label: session.label, session });
      this.log.info(
        mode === 'local'
          ? 'Connected to the local library'
          : `Connected to the team database ${session.label} as ${session.email}` +
              (session.isolation === 'shared'
                ? " (a shared login: members of this database can read each other's resources)"
                : ' (own login, row-level security)'),
      );
      return session;
    } catch (err) {
      await this.closeConnection();
      if (generation !== this.generation) throw err;
      if (err instanceof sessions().SetupNeeded) {
        const { label } = this.current;
        this.setState(
          err.need.kind === 'setup'
            ? { kind: 'setup', mode, label, schema: err.need.schema }
            : err.need.kind === 'noUser'
              ? { kind: 'noUser', mode, label, email: err.need.email }
              : { kind: 'noUser', mode, label, email: '', login: err.need.login },
        );
        throw new UserFacingError(err.message);
      }
      const described: DescribedError =
        err instanceof UserFacingError
          ? { problem: err.problem ?? 'other', message: err.message }
          : describeConnectionError(err, this.lastTarget, this.secretList());
      this.setState({ kind: 'offline', mode, label: this.current.label, error: described });
      this.reportFailure(described.message, this.scheduleReconnect());
      throw new UserFacingError(described.message, described.problem);
    }
  }

  private async connectLocal(): Promise<Session> {
    this.lastPassword = undefined;
    const opened = await sessions().openLocalSession({ packageRoot: this.context.extensionPath, log: (line) => this.log.info(line) });
    this.connection = opened;
    return opened.session;
  }

  /** The team connection from SecretStorage (or the PG* variables) and the settings. */
  private async teamConnection() {
    const connectionString = await this.secrets.get();
    const resolved = resolveTeamConnection(connectionString, readStorageSettings(), process.env, (password) =>
      this.log.addSecret(password),
    );
    this.log.addSecret(resolved.password);
    this.log.addSecret(connectionString);
    await resolved.checkPassword();
    return resolved;
  }

  private async connectTeam(): Promise<Session> {
    const settings = readStorageSettings();
    const resolved = await this.teamConnection();
    this.lastTarget = resolved.target;
    this.lastPassword = resolved.password;
    const opened = await sessions().openTeamSession({
      url: resolved.url,
      options: resolved.options,
      label: settings.teamLabel ?? resolved.label,
      email: await resolveUserEmail(settings.userEmail),
      migrationsFolder: this.migrationsFolder(),
      allowSchemaChanges: settings.allowSchemaChanges,
      log: (line) => this.log.info(line),
    });
    this.connection = opened;
    return opened.session;
  }

  /** Applies the migrations to the team database: only ever called after the user said yes. */
  async createTeamSchema(): Promise<void> {
    const resolved = await this.teamConnection();
    await sessions().createTeamTables(resolved.url, resolved.options, this.migrationsFolder());
    this.log.info(`Created the resource tables in the team database ${resolved.label}`);
    await this.reconnect();
  }

  /** The extension's migrations, and the administrator's script beside them. */
  migrationsFolder(): string {
    return join(this.context.extensionPath, 'migrations');
  }

  private idleState(): StorageState {
    const { mode, teamLabel } = readStorageSettings();
    return { kind: 'idle', mode, label: mode === 'local' ? 'local library' : (teamLabel ?? 'team') };
  }

  private secretList(): string[] {
    return this.lastPassword ? [this.lastPassword] : [];
  }

  private setState(state: StorageState): void {
    this.current = state;
    this.stateEmitter.fire(state);
  }

  /** The first failure with its cause; the same one again only as a line that says it goes on. */
  private reportFailure(message: string, delayMs: number): void {
    const next = `Next try in ${delayMs / 1000} s (or run Retry Connection).`;
    if (message === this.lastFailure) this.log.info(`Still failing (attempt ${this.reconnectAttempt}). ${next}`);
    else this.log.error(`${message} ${next}`);
    this.lastFailure = message;
  }

  /** Schedules the next try and returns its delay. */
  private scheduleReconnect(): number {
    this.clearReconnect();
    const delay = reconnectDelays[Math.min(this.reconnectAttempt++, reconnectDelays.length - 1)]!;
    if (this.isDisposed) return delay;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.current.kind === 'offline') void this.session().catch(() => {});
    }, delay);
    return delay;
  }

  private clearReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  private async closeConnection(timeoutSeconds?: number): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close(timeoutSeconds).catch((err) => this.log.error('Could not release the local server', err));
  }

  /** Closes the pool and lets the local server stop when this was the last window. */
  async shutdown(): Promise<void> {
    this.generation++;
    this.clearReconnect();
    this.dispose();
    await this.closeConnection();
  }
}
