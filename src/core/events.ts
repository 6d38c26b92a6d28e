/**
 * Minimal event and disposable primitives for the core, so that it never needs `vscode`.
 * Shapes match VS Code's (`Event<T>` is a function that subscribes and returns a `Disposable`),
 * so the extension can hand core events straight to VS Code APIs.
 */

export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (e: T) => void) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners: Array<(e: T) => void> = [];
  private disposed = false;

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return { dispose: () => undefined };
    this.listeners.push(listener);
    return {
      dispose: () => {
        const i = this.listeners.indexOf(listener);
        if (i >= 0) this.listeners.splice(i, 1);
      },
    };
  };

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  fire(e: T): void {
    // Copy only when there are several listeners; a listener may dispose itself while firing.
    const ls = this.listeners.length === 1 ? this.listeners : this.listeners.slice();
    for (const l of ls) l(e);
  }

  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}

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

/** Resolves with the next value of an event. */
export function once<T>(event: Event<T>): Promise<T> {
  return new Promise((resolve) => {
    const d = event((e) => {
      d.dispose();
      resolve(e);
    });
  });
}
