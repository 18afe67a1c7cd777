#!/usr/bin/env node
// The `lab` command of the installed package. Plain JavaScript that any Node can parse (no
// top-level await), so an old Node is told which version the lab needs instead of failing on a
// module it cannot load.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    'error: agent-failure-lab needs Node 22.18 or newer (it loads your .ts subjects and config with ' +
      "Node's type stripping); this is Node " +
      process.versions.node +
      '. Install a newer Node and run it again.\n',
  );
  process.exit(2);
}
import('../dist/cli/main.js').then(
  async ({ main, prepareProcess }) => {
    prepareProcess(process.argv.slice(2));
    process.exitCode = await main(process.argv.slice(2));
  },
  (error) => {
    process.stderr.write(`internal error (a bug in the lab): ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  },
);
