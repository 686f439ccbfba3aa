#!/usr/bin/env node
// The build's last step: tsc compiles nodes/**/*.ts into dist/; everything else under nodes/
// (Node-RED's editor .html, icons, locales) is copied beside it, because Node-RED loads a
// node set's .html, icons/ and locales/ from the directory of its .js.
const { cpSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
cpSync(join(root, 'nodes'), join(root, 'dist'), {
  recursive: true,
  filter: (source) => !source.endsWith('.ts'),
});
