#!/usr/bin/env node
// Runs every catalog action (actions/catalog/<trigger>/<name>.js with its <name>.json manifest)
// under real Node with record.js, and checks what it recorded against the manifest's `expect`:
// the commands in order, the outcome, the error text when one is expected, the continue step,
// the cache keys, and whether it made HTTP calls (`http`). Also checks the catalog's shape
// (every trigger of spec.js has at least two actions, at least 30 in all).
// `node check-all.js [filter]` runs only the actions whose path contains `filter`.
// Exits 1 when anything fails; prints one line per action.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { TRIGGERS, docsInSync } = require('./spec');

const REPO = path.resolve(__dirname, '..', '..');
const CATALOG = path.join(REPO, 'actions', 'catalog');

function actions() {
  const out = [];
  for (const trigger of fs.readdirSync(CATALOG).sort()) {
    const dir = path.join(CATALOG, trigger);
    if (!fs.statSync(dir).isDirectory() || trigger === 'node_modules') continue;
    for (const f of fs.readdirSync(dir).sort()) {
      if (f.endsWith('.js')) out.push({ trigger, js: path.join(dir, f), manifest: path.join(dir, f.replace(/\.js$/, '.json')) });
    }
  }
  return out;
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function checkStep(label, got, want, problems) {
  if (!same(got.commands, want.commands || [])) {
    problems.push(`${label}commands differ:\n      got      ${JSON.stringify(got.commands)}\n      expected ${JSON.stringify(want.commands || [])}`);
  }
  if (got.outcome !== want.outcome) problems.push(`${label}outcome ${got.outcome} (expected ${want.outcome})${got.error ? `: ${got.error}` : ''}`);
  if (want.error !== undefined && !(got.error || '').includes(want.error)) problems.push(`${label}error ${JSON.stringify(got.error)} does not contain ${JSON.stringify(want.error)}`);
}

function check(entry) {
  const problems = [];
  if (!fs.existsSync(entry.manifest)) return [`no manifest ${path.relative(REPO, entry.manifest)}`];
  const manifest = JSON.parse(fs.readFileSync(entry.manifest, 'utf8'));
  if (manifest.trigger !== entry.trigger) problems.push(`manifest trigger ${manifest.trigger} is not its directory's (${entry.trigger})`);
  for (const field of ['description', 'expect']) if (!manifest[field]) problems.push(`manifest has no ${field}`);
  if (typeof manifest.http !== 'boolean') problems.push('manifest has no boolean `http`');
  if (problems.length) return problems;
  let got;
  try {
    got = JSON.parse(execFileSync(process.execPath, [path.join(__dirname, 'record.js'), entry.js, entry.manifest], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch (e) {
    return [`record.js failed: ${(e.stderr || e.message).trim()}`];
  }
  checkStep('', got, manifest.expect, problems);
  if (manifest.continue) {
    if (!got.continue) problems.push('no continue step ran');
    else checkStep('continue: ', got.continue, manifest.continue.expect || {}, problems);
  }
  if (manifest.expect.cache !== undefined && !same(got.cache, manifest.expect.cache)) {
    problems.push(`cache after the run ${JSON.stringify(got.cache)} (expected ${JSON.stringify(manifest.expect.cache)})`);
  }
  const calls = got.http.length;
  if (manifest.http && calls === 0) problems.push('manifest says http = true but the action made no HTTP call');
  if (!manifest.http && calls > 0) problems.push(`manifest says http = false but the action called ${got.http.map((h) => `${h.method} ${h.url}`).join(', ')}`);
  return problems;
}

function main() {
  const filter = process.argv[2];
  const all = actions();
  const shape = [];
  if (!filter) {
    if (all.length < 30) shape.push(`only ${all.length} catalog actions (at least 30 wanted)`);
    for (const t of Object.keys(TRIGGERS)) {
      const n = all.filter((a) => a.trigger === t).length;
      if (n < 2) shape.push(`trigger ${t} has ${n} catalog action(s) (at least 2 wanted)`);
    }
    for (const a of all) if (!TRIGGERS[a.trigger]) shape.push(`unknown trigger directory ${a.trigger}`);
    const catalogDoc = fs.readFileSync(path.join(REPO, 'docs', 'catalog.md'), 'utf8');
    for (const a of all) {
      const rel = path.relative(CATALOG, a.js);
      if (!catalogDoc.includes(`(../actions/catalog/${rel})`)) shape.push(`docs/catalog.md does not list ${rel}`);
    }
    if (!docsInSync()) shape.push('docs/actions-api.md does not hold spec.js\'s tables: run node tests/node-runner/spec.js --update-docs');
  }
  let failed = shape.length;
  for (const p of shape) console.log(`FAIL catalog: ${p}`);
  let ran = 0;
  for (const entry of all) {
    const rel = path.relative(REPO, entry.js);
    if (filter && !rel.includes(filter)) continue;
    ran++;
    const problems = check(entry);
    if (problems.length) {
      failed++;
      console.log(`FAIL ${rel}\n    ${problems.join('\n    ')}`);
    } else {
      console.log(`ok   ${rel}`);
    }
  }
  console.log(`\n${ran} catalog actions run under Node ${process.version}; ${failed ? `${failed} failed` : 'all match their manifests'}`);
  process.exit(failed ? 1 : 0);
}
if (require.main === module) main();
module.exports = { check };
