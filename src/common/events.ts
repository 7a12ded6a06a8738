import type { DisposableLike } from './disposable';

/** A listener's subscription; dispose() ends it. */
export interface Subscription {
  dispose(): void;
}

/** A minimal event emitter for the layers without VS Code (its EventEmitter has the same shape). */
export class Emitter<T> {
  private readonly listeners = new Set<(event: T) => void>();

  readonly event = (listener: (event: T) => void): Subscription => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(event: T): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  dispose(): void {
    this.listeners.clear();
  }
}

/** Subscribes a listener (the shape of VS Code's Event and of Emitter.event). */
export type Event<T> = (listener: (event: T) => void) => DisposableLike;
