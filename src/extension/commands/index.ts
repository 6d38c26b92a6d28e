/**
 * The commands. Each works three ways:
 *  - from the palette (no argument): prompts with QuickInput (and picks a connection when it needs one);
 *  - from the tree (argument: a tree node): acts on that connection, prompting only for what is missing;
 *  - programmatically (argument: an options object, see commandOptions.ts): no prompts, resolves with a result and
 *    rejects with a clear Error on bad options or a socket failure (no notification).
 * The table (table.ts) types every command; the flows live in create.ts, connecting.ts, send.ts, sendFile.ts,
 * manage.ts, save.ts, session.ts, packets.ts and faults.ts.
 */
import type * as vscode from 'vscode';
import { CommandKit, type CommandContext } from './kit';
import { connectingCommands } from './connecting';
import { createCommands } from './create';
import { faultCommands } from './faults';
import { manageCommands } from './manage';
import { packetCommands } from './packets';
import { saveCommands } from './save';
import { sendCommands } from './send';
import { sendFileCommands } from './sendFile';
import { sessionCommands } from './session';
import { relayCommands } from './relay';
import { registerAll, type CommandSpecs } from './table';

export type { CommandContext } from './kit';

export function registerCommands(cx: CommandContext): vscode.Disposable[] {
  const kit = new CommandKit(cx);
  const specs: CommandSpecs = {
    ...createCommands(kit),
    ...sendCommands(kit),
    ...sendFileCommands(kit),
    ...manageCommands(kit),
    ...saveCommands(kit),
    ...sessionCommands(kit),
    ...packetCommands(kit, cx.packets),
    ...faultCommands(kit),
    ...relayCommands(kit),
    ...connectingCommands(kit),
  };
  return registerAll(specs, { exists: (id) => void kit.must(id), log: cx.log, showError: (message) => void kit.showError(message) });
}
