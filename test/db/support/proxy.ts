import { createServer, Socket, type Server } from 'node:net';

/** Which way a chunk travels: client → server ("up") or server → client ("down"). */
export type Direction = 'up' | 'down';

export interface CutRule {
  direction: Direction;
  /** Cuts every connection when this returns true for a chunk; that chunk is not delivered. */
  match: (chunk: Buffer) => boolean;
  /** 'fin' closes the sockets (the client reads an end); 'reset' sends a TCP RST. */
  how?: 'fin' | 'reset';
}

export interface ProxyStats {
  accepted: number;
  cuts: number;
  chunksUp: number;
  chunksDown: number;
}

const loopback = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * A TCP proxy on 127.0.0.1 between a Postgres client and a local server, for fault tests:
 * it can cut every connection (now, or when a chunk matches), stop accepting and accept
 * again on the same port, and delay every chunk. It only ever connects to a loopback target.
 */
export class TcpProxy {
  readonly stats: ProxyStats = { accepted: 0, cuts: 0, chunksUp: 0, chunksDown: 0 };
  /** Delay added to each chunk, per direction, in milliseconds; order is always kept. */
  latency: Record<Direction, number> = { up: 0, down: 0 };
  private server: Server | undefined;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private rule: CutRule | undefined;
  private onCut: (() => void) | undefined;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    private listenPort: number,
  ) {}

  /** A proxy in front of the server of `url` (which must be on this machine). */
  static async start(url: string): Promise<TcpProxy> {
    const target = new URL(url);
    if (!loopback.has(target.hostname)) throw new Error(`the fault proxy only forwards to this machine, not ${target.hostname}`);
    const proxy = new TcpProxy(target.hostname.replace(/^\[|\]$/g, ''), Number(target.port || 5432), 0);
    await proxy.resume();
    return proxy;
  }

  get port(): number {
    return this.listenPort;
  }

  /** `url` pointed at the proxy instead of the server. */
  urlFor(url: string): string {
    const via = new URL(url);
    via.hostname = '127.0.0.1';
    via.port = String(this.listenPort);
    return via.toString();
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  /** Arms a one-shot cut; resolves when it has happened. */
  cutWhen(rule: CutRule): Promise<void> {
    this.rule = rule;
    return new Promise((resolve) => (this.onCut = resolve));
  }

  disarm(): void {
    this.rule = undefined;
    this.onCut = undefined;
  }

  /** Drops every open connection, both ends. */
  cutAll(how: 'fin' | 'reset' = 'fin'): void {
    this.stats.cuts++;
    for (const { client, upstream } of this.pairs) {
      for (const socket of [client, upstream]) {
        if (how === 'reset') socket.resetAndDestroy();
        else socket.destroy();
      }
    }
    this.pairs.clear();
  }

  /** Stops accepting (a new client is refused) and drops every open connection: the server "went away". */
  async pause(how: 'fin' | 'reset' = 'fin'): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.cutAll(how);
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepts again, on the same port as before. */
  async resume(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, '127.0.0.1', () => resolve());
    });
    this.listenPort = (server.address() as { port: number }).port;
    this.server = server;
  }

  async close(): Promise<void> {
    this.disarm();
    await this.pause();
  }

  private accept(client: Socket): void {
    this.stats.accepted++;
    const upstream = new Socket();
    const pair = { client, upstream };
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.connect(this.targetPort, this.targetHost);
    this.pipe(client, upstream, 'up');
    this.pipe(upstream, client, 'down');
  }

  private pipe(from: Socket, to: Socket, direction: Direction): void {
    let lastDelivery = 0;
    from.on('data', (chunk: Buffer) => {
      if (direction === 'up') this.stats.chunksUp++;
      else this.stats.chunksDown++;
      const rule = this.rule;
      if (rule && rule.direction === direction && rule.match(chunk)) {
        const done = this.onCut;
        this.disarm();
        this.cutAll(rule.how);
        done?.();
        return;
      }
      const delay = this.latency[direction];
      if (delay <= 0 && lastDelivery <= Date.now()) {
        if (!to.destroyed) to.write(chunk);
        return;
      }
      // Later chunks never overtake earlier ones, even when the latency changes in between.
      const at = Math.max(Date.now() + delay, lastDelivery);
      lastDelivery = at;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, at - Date.now());
    });
  }
}

/** Fails with a clear message when `work` takes longer than `ms`: no fault test can hang the run. */
export async function within<T>(ms: number, label: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
