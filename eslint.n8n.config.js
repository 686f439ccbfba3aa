// n8n's community-node lint rules (eslint-plugin-n8n-nodes-base) for the n8n nodes, their
// credentials and package.json. The plugin and ESLint are not devDependencies: the plugin's
// preinstall script refuses any package manager but pnpm, which would break `npm ci`.
// scripts/lint-n8n.js installs them into a cache folder and points SMSGATE_LINT_MODULES here.
'use strict';
const { createRequire } = require('node:module');
const { join } = require('node:path');

const lintRequire = createRequire(join(process.env.SMSGATE_LINT_MODULES, 'package.json'));
const n8nNodesBase = lintRequire('eslint-plugin-n8n-nodes-base');
const typescriptParser = lintRequire('@typescript-eslint/parser');

const typescript = { parser: typescriptParser, ecmaVersion: 'latest', sourceType: 'module' };

module.exports = [
  {
    files: ['package.json'],
    // As n8n's node starter lints it: TypeScript's parser reads a .json file as one object
    // expression, the shape the community-package-json rules look for.
    languageOptions: { parser: typescriptParser, parserOptions: { extraFileExtensions: ['.json'] } },
    plugins: { 'n8n-nodes-base': n8nNodesBase },
    rules: n8nNodesBase.configs.community.rules,
  },
  {
    files: ['credentials/**/*.ts'],
    languageOptions: typescript,
    plugins: { 'n8n-nodes-base': n8nNodesBase },
    rules: {
      ...n8nNodesBase.configs.credentials.rules,
      // The rule's own docs: "Only applicable to nodes in the main repository", whose
      // documentationUrl is a docs slug; a community credential links a full URL.
      'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
    },
  },
  {
    files: ['nodes/n8n/**/*.ts'],
    languageOptions: typescript,
    plugins: { 'n8n-nodes-base': n8nNodesBase },
    rules: n8nNodesBase.configs.nodes.rules,
  },
];
