'use strict';
/**
 * Where the benchmarks find smsgate's build: `dist/` beside them, or the one `BENCH_DIST` names,
 * so that bench/compare.sh can run these benchmarks against the build of another revision.
 */
const { join, resolve } = require('node:path');

const DIST = process.env.BENCH_DIST === undefined ? join(__dirname, '..', '..', 'dist') : resolve(process.env.BENCH_DIST);

module.exports = { DIST };
