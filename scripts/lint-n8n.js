#!/usr/bin/env node
/**
 * `npm run lint:n8n`: n8n's community-node lint rules over the n8n nodes, credentials and
 * package.json (eslint.n8n.config.js). ESLint and eslint-plugin-n8n-nodes-base go into a cache
 * folder outside the checkout on first use (a few seconds), with --ignore-scripts: the plugin's
 * only install script is a check that refuses npm (`npx only-allow pnpm`).
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, writeFileSync } = require('node:fs');
const { homedir } = require('node:os');
const { join } = require('node:path');

const TOOLS = ['eslint@9.39.1', '@typescript-eslint/parser@8.73.0', 'eslint-plugin-n8n-nodes-base@2.0.0'];
const cache = process.env.SMSGATE_N8N_CACHE || join(homedir(), '.cache', 'smsgate-n8n');
const lintDir = join(cache, 'lint');
const marker = join(lintDir, `.installed-${TOOLS.join('+').replaceAll('/', '_')}`);

if (!existsSync(marker)) {
  mkdirSync(lintDir, { recursive: true });
  writeFileSync(join(lintDir, 'package.json'), JSON.stringify({ name: 'smsgate-n8n-lint', private: true }) + '\n');
  execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--save-exact', ...TOOLS], { cwd: lintDir, stdio: 'inherit' });
  writeFileSync(marker, `${new Date().toISOString()}\n`);
}

const root = join(__dirname, '..');
try {
  execFileSync(
    process.execPath,
    [join(lintDir, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--config', 'eslint.n8n.config.js', '--max-warnings', '0', 'package.json', 'credentials', 'nodes/n8n'],
    { cwd: root, stdio: 'inherit', env: { ...process.env, SMSGATE_LINT_MODULES: lintDir } },
  );
} catch (err) {
  process.exitCode = err.status ?? 1;
}
