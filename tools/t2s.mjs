// tools/t2s.mjs: writes data/t2s.tsv, the traditional -> simplified Chinese
// characters that text folding maps (so that 九龍 觀塘區 reads as 九龙 观塘区),
// from OpenCC's character table (TSCharacters) in the npm package opencc-js.
// Only pairs of characters in the Basic Multilingual Plane at U+0800 or
// above (three bytes in UTF-8, so that folding never changes a text's
// length), the first simplified form of each, and chains resolved so that
// folding twice gives what folding once gives.
//
//   node tools/t2s.mjs PACKAGE_DIR > data/t2s.tsv (through tools/t2s.sh)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tools/t2s.mjs PACKAGE_DIR');
  process.exit(2);
}
const src = readFileSync(join(dir, 'dist', 'esm-lib', 'dict', 'TSCharacters.js'), 'utf8');
const body = src.slice(src.indexOf('"') + 1, src.lastIndexOf('"'));
const map = new Map();
for (const entry of body.split('|')) {
  const [t, s] = entry.split(' ');
  if (!t || !s || t === s) continue;
  const tc = t.codePointAt(0), sc = s.codePointAt(0);
  if ([...t].length !== 1 || [...s].length !== 1) continue;
  if (tc < 0x800 || tc > 0xFFFF || sc < 0x800 || sc > 0xFFFF) continue;
  map.set(tc, sc);
}
// resolve chains (A -> B -> C becomes A -> C), drop cycles
for (const [t] of map) {
  let s = map.get(t);
  const seen = new Set([t]);
  while (map.has(s) && !seen.has(s)) {
    seen.add(s);
    s = map.get(s);
  }
  if (seen.has(s)) map.delete(t);
  else map.set(t, s);
}
const hex = (c) => c.toString(16).toUpperCase().padStart(4, '0');
const out = [...map].sort((a, b) => a[0] - b[0]);
process.stdout.write('# Traditional -> simplified characters for text folding, from OpenCC\'s\n' +
  '# TSCharacters in npm opencc-js@' + (process.env.OPENCC_VERSION || '?') + '; regenerate with tools/t2s.sh.\n' +
  '# Columns: traditional code point, simplified code point, the characters.\n');
for (const [t, s] of out)
  process.stdout.write(`${hex(t)}\t${hex(s)}\t${String.fromCodePoint(t)}\t${String.fromCodePoint(s)}\n`);
