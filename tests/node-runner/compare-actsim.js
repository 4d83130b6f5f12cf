#!/usr/bin/env node
// A preview of the differential test: runs every catalog action that makes no HTTP call both
// under Node (record.js) and with an actsim binary (`actsim run --json`), and compares the
// commands and the outcome of the execute step.
// `node tests/node-runner/compare-actsim.js path/to/actsim [filter]`. Exits 1 on a difference.
// Actions whose trigger the binary does not run are listed as skipped. The continue step is not
// compared: `actsim run --continue` brings back query parameters only, the manifests POST a body.
// actsim's JSON shows a secret's value as `[secret:NAME]`; those are put back before comparing.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const REPO = path.resolve(__dirname, '..', '..');
const CATALOG = path.join(REPO, 'actions', 'catalog');

function actsimOutcome(o) {
  if (o.status !== 'completed') return 'error';
  if (o.denied) return 'denied';
  return o.redirect ? 'redirect' : 'ok';
}
function runActsim(binary, js, m, tmp) {
  const event = path.join(tmp, 'event.json');
  const secrets = path.join(tmp, 'secrets.json');
  fs.writeFileSync(event, JSON.stringify((m.event && m.event.overrides) || {}));
  fs.writeFileSync(secrets, JSON.stringify(m.secrets || {}));
  const args = ['run', js, '--trigger', m.trigger, '--event', event, '--secrets', secrets, '--json'];
  if (m.now) args.push('--now', m.now);
  for (const [k, v] of Object.entries(m.cache || {})) args.push('--cache-entry', `${k}=${v}`);
  let out;
  try {
    out = execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (!e.stdout) return { skipped: (e.stderr || e.message).split('\n')[0] };
    out = e.stdout;
  }
  // Longest names first, so that a name that is a prefix of another is not replaced inside it.
  for (const [k, v] of Object.entries(m.secrets || {}).sort((a, b) => b[0].length - a[0].length)) {
    out = out.split(`[secret:${k}]`).join(JSON.stringify(v).slice(1, -1));
  }
  const ex = JSON.parse(out).executions[0];
  return { commands: ex.commands.map((c) => ({ name: c.name, args: c.args })), outcome: actsimOutcome(ex.outcome) };
}

function main() {
  const [binary, filter] = process.argv.slice(2);
  if (!binary) {
    process.stderr.write('usage: node compare-actsim.js <actsim binary> [filter]\n');
    process.exit(2);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'actsim-compare-'));
  let differ = 0;
  for (const trigger of fs.readdirSync(CATALOG).sort()) {
    const dir = path.join(CATALOG, trigger);
    if (trigger === 'node_modules' || !fs.statSync(dir).isDirectory()) continue;
    for (const f of fs.readdirSync(dir).sort().filter((x) => x.endsWith('.js'))) {
      const js = path.join(dir, f);
      const rel = path.relative(REPO, js);
      if (filter && !rel.includes(filter)) continue;
      const m = JSON.parse(fs.readFileSync(js.replace(/\.js$/, '.json'), 'utf8'));
      if (m.http) continue;
      const a = runActsim(binary, js, m, tmp);
      if (a.skipped) {
        console.log(`skip ${rel}: ${a.skipped}`);
        continue;
      }
      const n = JSON.parse(execFileSync(process.execPath, [path.join(__dirname, 'record.js'), js, js.replace(/\.js$/, '.json')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
      const same = JSON.stringify(a.commands) === JSON.stringify(n.commands) && a.outcome === n.outcome;
      if (!same) differ++;
      console.log(`${same ? 'same' : 'DIFF'} ${rel}${same ? '' : `\n     actsim ${a.outcome} ${JSON.stringify(a.commands)}\n     node   ${n.outcome} ${JSON.stringify(n.commands)}`}`);
    }
  }
  fs.rmSync(tmp, { recursive: true });
  process.exit(differ ? 1 : 0);
}
main();
