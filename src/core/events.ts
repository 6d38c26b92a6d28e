/**
 * Event and disposable shapes for the core, so that it never needs `vscode`. They match VS Code's (`Event<T>` is a
 * function that subscribes and returns a `Disposable`), so the extension can hand core events straight to VS Code
 * APIs. GuardedEmitter (below) produces these events for the registry and the relay.
 */

export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (e: T) => void) => Disposable;

/** Collects disposables and disposes them in reverse order. */
export class DisposableStore implements Disposable {
  private items: Disposable[] = [];
  private disposed = false;

  add<D extends Disposable>(d: D): D {
    if (this.disposed) d.dispose();
    else this.items.push(d);
    return d;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const items = this.items.reverse();
    this.items = [];
    for (const d of items) d.dispose();
  }
}

/**
 * An emitter whose listeners cannot break the engine: a throwing listener is reported through
 * `report` (onDidError, code LISTENER_ERROR) instead of unwinding into a socket callback, and the
 * other listeners still get the event. Its `event` is an `Event<T>`.
 */
export class GuardedEmitter<T> implements Disposable {
  private listeners: Array<(e: T) => void> = [];
  private disposed = false;

  constructor(private readonly report: (err: unknown, e: T) => void) {}

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return { dispose: () => undefined };
    this.listeners = [...this.listeners, listener]; // copy on write: fire never needs to copy
    return {
      dispose: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  };

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  fire(e: T): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) {
      try {
        ls[i](e);
      } catch (err) {
        this.report(err, e);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}
