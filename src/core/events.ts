/**
 * Event and disposable shapes for the core, so that it never needs `vscode`. They match VS Code's (`Event<T>` is a
 * function that subscribes and returns a `Disposable`), so the extension can hand core events straight to VS Code
 * APIs. The registry's emitter (GuardedEmitter in registry.ts) produces these events.
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
