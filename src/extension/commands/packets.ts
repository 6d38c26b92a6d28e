/**
 * The saved packet library's commands (the library itself: src/extension/packets.ts):
 *   socketDebugger.packets.send   (a packet row, or {name, id?, to?: "host:port"}) → frames sent
 *   socketDebugger.packets.save   ({draft, framing?, to?, name?, interactive?}; asks for the name when none is given)
 *   socketDebugger.packets.open   opens (creates) the library file
 *   socketDebugger.packets.remove (a packet row, or {name})
 * A row of the Saved Packets section, the palette and the composer's Save… (`interactive: true`) show a failure; an
 * options object gets the rejection.
 */
import * as vscode from 'vscode';
import type { ConnectionInfo } from '../../core/types';
import { canSend, capabilities, framesPerSend } from '../../shared/connections';
import { parseHostPort } from '../../shared/format';
import { isPacketName, packetSummary, PACKET_LIBRARY_FILE, withPacket, type SavedPacket } from '../../shared/packets';
import { parseDraft, parseFramingChoice, type Draft, type FramingChoice } from '../../shared/protocol';
import { buildWire, wireSendOptions } from '../composer/draft';
import type { RawOptions } from '../commandOptions';
import { libraryUri, type PacketLibrary } from '../packets';
import { pickConnection } from '../prompts';
import { errorMessage, type CommandKit } from './kit';
import type { CommandSpecs, Invocation } from './table';

/** `socketDebugger.packets.send`, `.remove`: a row of the section ({item}), or {name, …} */
export interface PacketOptions {
  name?: string;
  /** send: the connection (default: asks) */
  id?: string;
  /** send: a UDP destination "host:port" over the packet's own */
  to?: string;
}

/** `socketDebugger.packets.save` */
export interface SavePacketOptions {
  draft: unknown;
  framing?: unknown;
  to?: { host: string; port: number };
  name?: string;
  /** a person is there (the composer's Save…): failures are shown, not thrown */
  interactive?: boolean;
}

export interface CheckedPacket {
  name?: string;
  id?: string;
  to?: string;
  interactive: boolean;
}

export interface CheckedSavePacket {
  draft?: Draft;
  framing?: FramingChoice;
  to?: { host: string; port: number };
  name?: string;
  interactive: boolean;
}

type PacketCommandIds = 'socketDebugger.packets.send' | 'socketDebugger.packets.save' | 'socketDebugger.packets.open' | 'socketDebugger.packets.remove';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** a packet row ({item: {name}}, interactive) or an options object */
function checkPacket(o: RawOptions): CheckedPacket {
  const item = typeof o.item === 'object' && o.item !== null ? (o.item as { name?: unknown }) : undefined;
  const name = str(item?.name) ?? str(o.name);
  const id = str(o.id);
  const to = str(o.to);
  return { interactive: item !== undefined || o.interactive === true, ...(name !== undefined ? { name } : {}), ...(id !== undefined ? { id } : {}), ...(to !== undefined ? { to } : {}) };
}

function checkSave(o: RawOptions): CheckedSavePacket {
  const draft = parseDraft(o.draft);
  const framing = o.framing === undefined ? { kind: 'connection' as const } : parseFramingChoice(o.framing);
  const to = typeof o.to === 'object' && o.to !== null ? (o.to as { host?: unknown; port?: unknown }) : undefined;
  const name = str(o.name);
  return {
    interactive: o.interactive === true,
    ...(draft ? { draft } : {}),
    ...(framing ? { framing } : {}),
    ...(to && typeof to.host === 'string' && typeof to.port === 'number' ? { to: { host: to.host, port: to.port } } : {}),
    ...(name !== undefined ? { name } : {}),
  };
}

export function packetCommands(kit: CommandKit, library: PacketLibrary): Pick<CommandSpecs, PacketCommandIds> {
  const { registry, log } = kit;
  const l10n = vscode.l10n;

  /** connections a packet can go to: the ones the kind's capabilities let send now (a server: with an open client) */
  const sendable = (): ConnectionInfo[] => registry.list().filter((c) => canSend(c, registry.children(c.id)));

  /** runs `fn`; a failure in front of a person is shown (undefined), else it rejects */
  async function reporting<O extends { interactive: boolean }, R>(inv: Invocation<O>, fn: (o: O | undefined) => Promise<R>): Promise<R | undefined> {
    const o = inv.via === 'api' ? inv.options : undefined;
    try {
      return await fn(o);
    } catch (e) {
      if (o && !o.interactive) throw e;
      void kit.showError(errorMessage(e));
      return undefined;
    }
  }

  async function send(o: CheckedPacket | undefined): Promise<number | undefined> {
    const name = o?.name;
    const p = library.packets.find((q) => q.name === name) ?? (name === undefined ? await library.pick() : undefined);
    if (!p) throw new Error(name === undefined ? l10n.t('No saved packet was picked.') : l10n.t('There is no saved packet named "{0}".', name));
    const id = o?.id ?? (await pickConnection(sendable(), l10n.t('Send "{0}" to which connection?', p.name)));
    if (!id) return undefined;
    const c = registry.get(id);
    if (!c) throw new Error(l10n.t('Connection {0} no longer exists.', id));
    let to = p.to;
    if (o?.to !== undefined) {
      const hp = parseHostPort(o.to);
      if (!hp) throw new Error(l10n.t('"{0}" is not host:port.', o.to));
      to = { host: hp.address, port: hp.port };
    }
    if (capabilities(c.kind).needsDestination && !to) {
      const typed = await vscode.window.showInputBox({ prompt: l10n.t('Send to which host:port?'), placeHolder: '127.0.0.1:9000', validateInput: (v) => (parseHostPort(v) ? undefined : l10n.t('Type host:port, e.g. 127.0.0.1:9000')) });
      const hp = typed ? parseHostPort(typed) : undefined;
      if (!hp) return undefined;
      to = { host: hp.address, port: hp.port };
    }
    const w = buildWire(p.draft, p.framing, c.framing);
    await registry.send(c.id, w.payload, wireSendOptions(w, capabilities(c.kind).takesDestination ? to : undefined));
    log.info(`sent saved packet "${p.name}" (${w.wire.length} bytes with ${w.framing}) to ${c.id}`);
    vscode.window.setStatusBarMessage(l10n.t('Sent "{0}" to {1}: {2} bytes on the wire', p.name, c.id, w.wire.length), 4000);
    return framesPerSend(c, registry.children(c.id));
  }

  async function save(o: CheckedSavePacket | undefined): Promise<string | undefined> {
    const draft = o?.draft;
    if (!draft) throw new Error(l10n.t('Save a packet from the Packet Composer (its Save… button), or pass {draft, framing, name}.'));
    const framing = o.framing;
    if (!framing) throw new Error(l10n.t('framing must be {kind: "connection"}, {kind: "raw"} or {kind: "spec", spec}'));
    let name = o.name;
    if (name === undefined) {
      name = await vscode.window.showInputBox({
        prompt: l10n.t('A name for this packet in {0}', PACKET_LIBRARY_FILE),
        placeHolder: packetSummary(draft),
        validateInput: (v) => (isPacketName(v) ? undefined : l10n.t('1–200 characters, no control characters or outer spaces')),
      });
      if (name === undefined) return undefined;
      if (library.packets.some((p) => p.name === name)) {
        const replace = l10n.t('Replace');
        if ((await vscode.window.showWarningMessage(l10n.t('A saved packet named "{0}" exists. Replace it?', name), { modal: true }, replace)) !== replace) return undefined;
      }
    } else if (!isPacketName(name)) throw new Error(l10n.t('"{0}" is not a valid packet name (1–200 characters, no control characters or outer spaces).', name));
    const packet: SavedPacket = { name, draft, framing, ...(o.to ? { to: o.to } : {}) };
    await library.write(withPacket([...library.packets], packet));
    log.info(`saved packet "${name}" in ${PACKET_LIBRARY_FILE}`);
    return name;
  }

  async function remove(o: CheckedPacket | undefined): Promise<boolean> {
    const name = o?.name ?? (await library.pick())?.name;
    if (name === undefined || !library.packets.some((p) => p.name === name)) return false;
    await library.write(library.packets.filter((p) => p.name !== name));
    log.info(`removed saved packet "${name}"`);
    return true;
  }

  async function open(): Promise<void> {
    const uri = libraryUri();
    if (!uri) throw new Error(l10n.t('Open a folder first: the packet library is kept in the workspace ({0}).', PACKET_LIBRARY_FILE));
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      await library.write([...library.packets]);
    }
    await vscode.window.showTextDocument(uri);
  }

  return {
    'socketDebugger.packets.send': { arg: 'create', check: checkPacket, run: (inv) => reporting(inv, send) },
    'socketDebugger.packets.save': { arg: 'create', check: checkSave, run: (inv) => reporting(inv, save) },
    'socketDebugger.packets.open': { arg: 'none', check: () => undefined, run: async () => (await reporting<{ interactive: boolean }, void>({ via: 'palette' }, open)) ?? undefined },
    'socketDebugger.packets.remove': { arg: 'create', check: checkPacket, run: async (inv) => (await reporting(inv, remove)) ?? false },
  };
}
