// npm install hook: load a prebuilt addon from prebuilds/ when one matches, else build with
// node-gyp — on every core (JOBS), since the kernels are compiled at -O3 per ISA.
process.env.JOBS = process.env.JOBS || 'max';
require('node-gyp-build/bin.js');
