// Placeholder entry; the CLI is built in src/cli (issue: core engine and sockdbg CLI).
process.stdout.write('sockdbg: not yet implemented\n');
