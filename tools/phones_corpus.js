// tools/phones_corpus.js: generates the corpus of phone numbers as Chinese
// shoppers type them into an order form, with the verdict and the normal
// form that ordertrack.phone_kind and ordertrack.normalize_phone should give.
//
//   NODE_PATH=/path/to/node_modules node tools/phones_corpus.js > test/corpus/phones.tsv
//   NODE_PATH=/path/to/node_modules node tools/phones_corpus.js --report >/dev/null
//
// The output is deterministic: every random choice comes from a fixed-seed
// generator (mulberry32), never from Math.random, and the area codes are read
// from ../data/cn_area_codes.tsv relative to this script.
//
// Where the labels come from:
//  - Rows built on a generated Chinese number (random digits, or a number
//    named in the rules) take the verdict of libphonenumber for that number in
//    its national form, before any decoration: parsed for region CN, a valid
//    MOBILE is cn_mobile, a valid FIXED_LINE or FIXED_LINE_OR_MOBILE is
//    cn_landline, anything else is invalid.  The normal form is the library's
//    E.164.  Decorations (separators, brackets, full-width digits, the +86,
//    0086, 86 and trunk-0 prefixes) carry the verdict through unchanged; an
//    extension of 1 to 6 digits appends ;ext=N to the normal form, and one of
//    more than 6 digits makes the row invalid.
//  - Hand-made rows (the documented examples of invalid input, other
//    countries' numbers, empty input, junk) carry the verdict that the rules
//    give.  Other countries' numbers are checked with the library's
//    isPossibleNumber, but their verdict follows the rules: + or 00, a
//    country code other than 86, 8 to 15 digits, and for +1 exactly 10 digits
//    after the 1 with an area code starting 2 to 9.
//
// Output: a '#' header line naming this script, the seed and the library
// version, then one row per input:
//   category TAB input TAB kind TAB normal
// kind is cn_mobile, cn_landline, international, invalid or empty; normal is
// empty for invalid and empty.  Inputs never contain TAB, newline or
// backslash, and no input appears twice.
//
// --report writes to stderr the row counts, the rows where libphonenumber's
// verdict on the underlying number differs from the rules' verdict (the
// corpus keeps libphonenumber's), and the rows where libphonenumber, given
// the raw input (region CN, extensions included), disagrees with the
// expected verdict (the corpus keeps the expected verdict).
'use strict';
const fs = require('fs');
const path = require('path');

// Load the package through NODE_PATH, or else from ./node_modules.
function load(name) {
  try {
    return require(name);
  } catch (e) {
    return require(path.join(process.cwd(), 'node_modules', name));
  }
}
const lib = load('google-libphonenumber');
const pkg = load('google-libphonenumber/package.json');
const util = lib.PhoneNumberUtil.getInstance();
const PNT = lib.PhoneNumberType;
const PNF = lib.PhoneNumberFormat;

const SEED = 0x86c0ffee;
const CATEGORIES = ['mobile', 'mobile_written', 'landline_7', 'landline_8', 'landline_written',
  'extension', 'privacy', 'international', 'invalid_length', 'invalid_area', 'invalid_other', 'empty'];

// ---------------------------------------------------------------------------
// Deterministic pseudo-random numbers (mulberry32).

let state = SEED >>> 0;
function rand() {
  state = (state + 0x6D2B79F5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (arr) => arr[int(0, arr.length - 1)];
function digits(n) {
  let s = '';
  for (let i = 0; i < n; i++) s += String(int(0, 9));
  return s;
}

// ---------------------------------------------------------------------------
// Area codes (without the trunk 0) and the lengths of their local numbers.

const AREA_FILE = path.join(__dirname, '..', 'data', 'cn_area_codes.tsv');
const areaLengths = new Map();
for (const line of fs.readFileSync(AREA_FILE, 'utf8').split('\n')) {
  if (line === '' || line.startsWith('#')) continue;
  const [code, lens] = line.split('\t');
  areaLengths.set(code, lens.split(',').map(Number));
}
const allCodes = [...areaLengths.keys()];
const codes7 = allCodes.filter((c) => areaLengths.get(c).includes(7));
const codes8 = allCodes.filter((c) => areaLengths.get(c).includes(8));
const dualCodes = allCodes.filter((c) => areaLengths.get(c).length > 1);
const only7 = codes7.filter((c) => !dualCodes.includes(c));
const only8 = codes8.filter((c) => !dualCodes.includes(c));
const twoDigit = codes8.filter((c) => c.length === 2);
const unassigned = [];
for (let n = 20; n <= 29; n++) if (!areaLengths.has(String(n))) unassigned.push(String(n));
for (let n = 300; n <= 999; n++) if (!areaLengths.has(String(n))) unassigned.push(String(n));

// ---------------------------------------------------------------------------
// Verdicts.

const INVALID = { kind: 'invalid', normal: '' };

// libphonenumber's verdict on a Chinese number in its national form.
function lpnNational(national, nsn) {
  let num;
  try {
    num = util.parse(national, 'CN');
  } catch (e) {
    return { kind: 'invalid', normal: '', why: e.message };
  }
  if (num.getCountryCode() !== 86 || util.getNationalSignificantNumber(num) !== nsn)
    return { kind: 'invalid', normal: '', why: 'parsed as ' + util.format(num, PNF.E164) };
  if (!util.isValidNumberForRegion(num, 'CN'))
    return { kind: 'invalid', normal: '', why: 'not valid' };
  const type = util.getNumberType(num);
  const e164 = util.format(num, PNF.E164);
  if (type === PNT.MOBILE) return { kind: 'cn_mobile', normal: e164 };
  if (type === PNT.FIXED_LINE || type === PNT.FIXED_LINE_OR_MOBILE) return { kind: 'cn_landline', normal: e164 };
  return { kind: 'invalid', normal: '', why: 'type ' + type };
}

// The rules' verdict on a national significant number (no trunk 0).
function ruleNsn(nsn) {
  if (/^1[3-9]\d{9}$/.test(nsn)) return { kind: 'cn_mobile', normal: '+86' + nsn };
  if (/^[1-9]/.test(nsn)) {
    const clen = /^[12]/.test(nsn) ? 2 : 3;
    const lens = areaLengths.get(nsn.slice(0, clen));
    const local = nsn.slice(clen);
    if (lens && lens.includes(local.length) && /^[2-9]\d*$/.test(local))
      return { kind: 'cn_landline', normal: '+86' + nsn };
  }
  return INVALID;
}

// The rules' verdict on another country's number, given its E.164 digits.
function ruleIntl(d) {
  if (d.startsWith('86') || d.startsWith('0') || d.length < 8 || d.length > 15) return INVALID;
  if (d.startsWith('1') && (d.length !== 11 || d[1] < '2')) return INVALID;
  return { kind: 'international', normal: '+' + d };
}

// A Chinese number: its national form, the rules' verdict and libphonenumber's.
function cnNumber(nsn, trunk) {
  const national = (trunk ? '0' : '') + nsn;
  return { nsn, national, rule: ruleNsn(nsn), lpn: lpnNational(national, nsn) };
}
const mobileNumber = (m) => cnNumber(m, false);
const landNumber = (code, local) => Object.assign(cnNumber(code + local, true), { code, local });

const randomMobile = () => '1' + int(3, 9) + digits(9);
const randomLocal = (len) => String(int(2, 9)) + digits(len - 1);
function randomLand(codes, len) {
  const code = pick(codes);
  const lens = areaLengths.get(code);
  return landNumber(code, randomLocal(len || pick(lens)));
}
// An extension's digits: mostly 3 or 4, sometimes 1, 2, 5 or 6.
const randomExt = () => digits(pick([1, 2, 3, 3, 4, 4, 4, 4, 5, 6]));

// ---------------------------------------------------------------------------
// Written forms.

const FW_DIGIT = (s) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0xFF10 + Number(d)));
const FW_PLUS = '\uFF0B', FW_LP = '\uFF08', FW_RP = '\uFF09', FW_HY = '\uFF0D', IDEO_SP = '\u3000';
const m3 = (m) => [m.slice(0, 3), m.slice(3, 7), m.slice(7)];
const l2 = (l) => (l.length === 8 ? [l.slice(0, 4), l.slice(4)] : [l.slice(0, 3), l.slice(3)]);

// Mobile written forms (m: 11 digits).
const MOBILE_STYLES = [
  (m) => { const [a, b, c] = m3(m); return `${a} ${b} ${c}`; },
  (m) => { const [a, b, c] = m3(m); return `${a}-${b}-${c}`; },
  (m) => { const [a, b, c] = m3(m); return `${a}.${b}.${c}`; },
  (m) => { const [a, b, c] = m3(m); return `(${a}) ${b} ${c}`; },
  (m) => { const [a, b, c] = m3(m); return `(${a})${b}-${c}`; },
  (m) => { const [a, b, c] = m3(m); return `${a} ${b}${c}`; },
  (m) => { const [a, b, c] = m3(m); return `${a}${b} ${c}`; },
  (m) => ` ${m} `,
  (m) => m.split('').join(' '),
  (m) => FW_DIGIT(m),
  (m) => { const [a, b, c] = m3(m); return FW_DIGIT(`${a} ${b} ${c}`); },
  (m) => { const [a, b, c] = m3(m); return FW_DIGIT(`${a}`) + IDEO_SP + FW_DIGIT(b) + IDEO_SP + FW_DIGIT(c); },
  (m) => { const [a, b, c] = m3(m); return `${a}${FW_HY}${b}${FW_HY}${c}`; },
  (m) => `+86${m}`,
  (m) => `+86 ${m}`,
  (m) => { const [a, b, c] = m3(m); return `+86 ${a} ${b} ${c}`; },
  (m) => { const [a, b, c] = m3(m); return `+86 ${a}-${b}-${c}`; },
  (m) => `+86-${m}`,
  (m) => { const [a, b, c] = m3(m); return `+86-${a}-${b}-${c}`; },
  (m) => `(+86)${m}`,
  (m) => { const [a, b, c] = m3(m); return `(+86) ${a} ${b} ${c}`; },
  (m) => { const [a, b, c] = m3(m); return `(+86)${a}-${b}-${c}`; },
  (m) => `${FW_LP}+86${FW_RP}${m}`,
  (m) => `${FW_PLUS}86 ${m}`,
  (m) => { const [a, b, c] = m3(m); return `+86 (${a}) ${b}-${c}`; },
  (m) => '+' + FW_DIGIT('86' + m),
  (m) => `0086${m}`,
  (m) => { const [a, b, c] = m3(m); return `0086 ${a} ${b} ${c}`; },
  (m) => `0086-${m}`,
  (m) => `86${m}`,
  (m) => `86 ${m}`,
  (m) => `86-${m}`,
  (m) => { const [a, b, c] = m3(m); return `86 ${a} ${b} ${c}`; },
  (m) => `0${m}`,
  (m) => { const [a, b, c] = m3(m); return `0${a} ${b} ${c}`; },
  (m) => { const [a, b, c] = m3(m); return `0${a}-${b}-${c}`; },
];

// Landline written forms (code without trunk 0, local number).
const LAND_STYLES = [
  (c, l) => { const [x, y] = l2(l); return `(0${c}) ${x} ${y}`; },
  (c, l) => `(0${c})${l}`,
  (c, l) => `(0${c}) ${l}`,
  (c, l) => `${FW_LP}0${c}${FW_RP}${l}`,
  (c, l) => { const [x, y] = l2(l); return `0${c}-${x}-${y}`; },
  (c, l) => { const [x, y] = l2(l); return `0${c} ${x} ${y}`; },
  (c, l) => `0${c} ${l}`,
  (c, l) => `0${c} - ${l}`,
  (c, l) => { const [x, y] = l2(l); return `0${c}.${x}.${y}`; },
  (c, l) => ` 0${c}-${l} `,
  (c, l) => FW_DIGIT(`0${c}`) + FW_HY + FW_DIGIT(l),
  (c, l) => `0${c}${FW_HY}${l}`,
  (c, l) => { const [x, y] = l2(l); return `+86 ${c} ${x} ${y}`; },
  (c, l) => `+86-${c}-${l}`,
  (c, l) => `+86${c}${l}`,
  (c, l) => `+86 ${c}-${l}`,
  (c, l) => { const [x, y] = l2(l); return `+86 (0)${c} ${x} ${y}`; },
  (c, l) => `+86(0)${c}-${l}`,
  (c, l) => `+86 (${c}) ${l}`,
  (c, l) => `(+86) ${c} ${l}`,
  (c, l) => `0086 ${c} ${l}`,
  (c, l) => `0086-${c}-${l}`,
  (c, l) => `${FW_PLUS}86 ${c} ${l}`,
];

// Plain forms of a landline, for landline_7 and landline_8.
const LAND_PLAIN = [(c, l) => `0${c}-${l}`, (c, l) => `0${c}${l}`];

// Extension markers (put between the number and its extension digits).
const EXT_MARKERS = ['-', '转', ' 转 ', '转 ', '分机', ' 分机', '#', ' #', 'x', ' x ', 'ext', ' ext ', 'ext.', ' ext. ', ' ext.'];
const PRIVACY_MARKERS = ['-', '-', '-', '转', '转', ' 转 ', '#', '#', ' 转'];
// Written forms of the number before an extension.
const LAND_BEFORE_EXT = [
  (c, l) => `0${c}-${l}`, (c, l) => `0${c}${l}`, (c, l) => `(0${c}) ${l}`, (c, l) => `(0${c})${l}`,
  (c, l) => `+86 ${c} ${l}`, (c, l) => `0${c} ${l}`, (c, l) => { const [x, y] = l2(l); return `0${c}-${x}-${y}`; },
];
const MOBILE_BEFORE_EXT = [
  (m) => m, (m) => m, (m) => m, (m) => { const [a, b, c] = m3(m); return `${a}-${b}-${c}`; },
  (m) => { const [a, b, c] = m3(m); return `${a} ${b} ${c}`; }, (m) => `+86 ${m}`, (m) => `86${m}`,
  (m) => `+86${m}`, (m) => `0086 ${m}`, (m) => FW_DIGIT(m),
];

// ---------------------------------------------------------------------------
// Rows.

const rows = [];
const seen = new Set();

function push(category, input, label, meta) {
  if (!CATEGORIES.includes(category)) throw new Error('unknown category ' + category);
  if (/[\t\n\r\\]/.test(input)) throw new Error('input with TAB, newline or backslash: ' + JSON.stringify(input));
  if (seen.has(input)) return false;
  seen.add(input);
  rows.push(Object.assign({ category, input, kind: label.kind, normal: label.normal }, meta));
  return true;
}

// A hand-made row: the verdict the rules give; a duplicate is a mistake.
function fixed(category, input, kind, normal) {
  if (!push(category, input, { kind, normal: normal || '' }, { source: 'rule' }))
    throw new Error('duplicate hand-made input ' + JSON.stringify(input));
}

// The digits of an input, full-width ones included.
const digitsOf = (s) => s.replace(/[\uFF10-\uFF19]/g, (c) => String(c.charCodeAt(0) - 0xFF10)).replace(/[^0-9]/g, '');

// A row on a Chinese number, labelled by libphonenumber, perhaps with an extension.
function onNumber(category, input, num, ext) {
  // the written form holds the number (after a prefix) and the extension, nothing else
  const d = digitsOf(input), tail = num.nsn + (ext || '');
  if (!['', '0', '86', '0086', '860', '00860'].includes(d.slice(0, d.length - tail.length)) || !d.endsWith(tail))
    throw new Error('written form ' + JSON.stringify(input) + ' does not hold ' + tail);
  let label = num.lpn;
  if (ext !== undefined && label.kind !== 'invalid')
    label = ext.length <= 6 ? { kind: label.kind, normal: label.normal + ';ext=' + ext } : INVALID;
  let rule = num.rule;
  if (ext !== undefined && rule.kind !== 'invalid')
    rule = ext.length <= 6 ? { kind: rule.kind, normal: rule.normal + ';ext=' + ext } : INVALID;
  return push(category, input, label, { source: 'libphonenumber', num, rule });
}

// Fills a category up to n rows with make(i), which returns false on a duplicate.
function fill(category, n, make) {
  let have = rows.filter((r) => r.category === category).length;
  for (let i = 0, tries = 0; have < n; tries++) {
    if (tries > 100 * n) throw new Error('cannot fill ' + category);
    if (make(i)) { have++; i++; }
  }
}

// --- mobile: 11 plain digits ------------------------------------------------
onNumber('mobile', '13812345678', mobileNumber('13812345678'));
onNumber('mobile', '17012345678', mobileNumber('17012345678'));
onNumber('mobile', '18412345678', mobileNumber('18412345678'));
// every second digit 3..9 at least once, then at random
for (let d = 3; d <= 9; d++) { const m = '1' + d + digits(9); onNumber('mobile', m, mobileNumber(m)); }
fill('mobile', 45, () => { const m = randomMobile(); return onNumber('mobile', m, mobileNumber(m)); });

// --- mobile_written -----------------------------------------------------------
onNumber('mobile_written', '138 1234 5678', mobileNumber('13812345678'));
onNumber('mobile_written', '+8613812345678', mobileNumber('13812345678'));
onNumber('mobile_written', '013812345678', mobileNumber('13812345678'));
onNumber('mobile_written', '１３８１２３４５６７８', mobileNumber('13812345678'));
fill('mobile_written', 3 + 2 * MOBILE_STYLES.length, (i) => {
  const m = randomMobile();
  return onNumber('mobile_written', MOBILE_STYLES[i % MOBILE_STYLES.length](m), mobileNumber(m));
});

// --- landline_7 and landline_8: trunk 0, area code, local number ---------------
for (const code of dualCodes) {
  const a = landNumber(code, randomLocal(7));
  onNumber('landline_7', `0${code}-${a.local}`, a);
  const b = landNumber(code, randomLocal(8));
  onNumber('landline_8', `0${code}-${b.local}`, b);
}
for (const code of twoDigit) {
  const a = landNumber(code, randomLocal(8));
  onNumber('landline_8', pick(LAND_PLAIN)(code, a.local), a);
}
onNumber('landline_8', '010-62345678', landNumber('10', '62345678'));
onNumber('landline_8', '0755-87654321', landNumber('755', '87654321'));
fill('landline_7', 36, (i) => {
  const a = randomLand(i % 4 === 3 ? dualCodes : only7, 7);
  return onNumber('landline_7', LAND_PLAIN[i % 2](a.code, a.local), a);
});
fill('landline_8', 36, (i) => {
  const a = randomLand(i % 5 === 4 ? dualCodes : only8, 8);
  return onNumber('landline_8', LAND_PLAIN[i % 2](a.code, a.local), a);
});

// --- landline_written ----------------------------------------------------------
onNumber('landline_written', '(010) 6234 5678', landNumber('10', '62345678'));
onNumber('landline_written', '0755-8765-4321', landNumber('755', '87654321'));
onNumber('landline_written', '+86 10 6234 5678', landNumber('10', '62345678'));
onNumber('landline_written', '+86 (0)571 8888 6666', landNumber('571', '88886666'));
fill('landline_written', 4 + 2 * LAND_STYLES.length, (i) => {
  const a = randomLand(i % 3 === 0 ? codes7 : codes8, i % 3 === 0 ? 7 : 8);
  return onNumber('landline_written', LAND_STYLES[i % LAND_STYLES.length](a.code, a.local), a);
});

// --- extension ---------------------------------------------------------------
onNumber('extension', '010-62345678-8001', landNumber('10', '62345678'), '8001');
onNumber('extension', '010-62345678 转 8001', landNumber('10', '62345678'), '8001');
onNumber('extension', '13812345678 ext 12', mobileNumber('13812345678'), '12');
onNumber('extension', '010-62345678分机8001', landNumber('10', '62345678'), '8001');
onNumber('extension', '010-62345678#8001', landNumber('10', '62345678'), '8001');
onNumber('extension', '010-62345678 x 8001', landNumber('10', '62345678'), '8001');
onNumber('extension', '010-62345678 ext. 8001', landNumber('10', '62345678'), '8001');
// the normal form itself reads back (normalising twice changes nothing)
onNumber('extension', '+861062345678;ext=8001', landNumber('10', '62345678'), '8001');
onNumber('extension', '+8613812345678;ext=12', mobileNumber('13812345678'), '12');
fill('extension', 9 + 3 * EXT_MARKERS.length, (i) => {
  const marker = EXT_MARKERS[i % EXT_MARKERS.length];
  const ext = randomExt();
  if (i % 6 === 5) {
    const m = randomMobile();
    return onNumber('extension', pick(MOBILE_BEFORE_EXT)(m) + marker + ext, mobileNumber(m), ext);
  }
  // no hyphen extension on a code with both 7- and 8-digit numbers (ambiguous)
  const a = randomLand(marker === '-' ? only7.concat(only8) : allCodes);
  return onNumber('extension', pick(LAND_BEFORE_EXT)(a.code, a.local) + marker + ext, a, ext);
});

// --- privacy: marketplace privacy numbers, a mobile and an extension -------------
onNumber('privacy', '13812345678-1234', mobileNumber('13812345678'), '1234');
onNumber('privacy', '17012345678转5678', mobileNumber('17012345678'), '5678');
onNumber('privacy', '18412345678#1234', mobileNumber('18412345678'), '1234');
fill('privacy', 36, (i) => {
  const m = randomMobile();
  const ext = i % 4 === 3 ? randomExt() : digits(4);
  const marker = PRIVACY_MARKERS[i % PRIVACY_MARKERS.length];
  return onNumber('privacy', MOBILE_BEFORE_EXT[i % MOBILE_BEFORE_EXT.length](m) + marker + ext, mobileNumber(m), ext);
});

// --- international -----------------------------------------------------------
// [written form, E.164 digits]
const INTL = [
  ['+1 (415) 555-2671', '14155552671'],
  ['+44 20 7946 0958', '442079460958'],
  ['00852 9123 4567', '85291234567'],
  ['+852 9123 4567', '85291234567'],
  ['(+852) 2123 4567', '85221234567'],
  ['+853 6612 3456', '85366123456'],
  ['+886 912 345 678', '886912345678'],
  ['00886-2-2345-6789', '886223456789'],
  ['+81 90-1234-5678', '819012345678'],
  ['+82 10-1234-5678', '821012345678'],
  ['+65 9123 4567', '6591234567'],
  ['+60 12-345 6789', '60123456789'],
  ['+61 412 345 678', '61412345678'],
  ['+49 30 12345678', '493012345678'],
  ['+33 6 12 34 56 78', '33612345678'],
  ['+7 912 345-67-89', '79123456789'],
  ['+971 50 123 4567', '971501234567'],
  ['+66 81 234 5678', '66812345678'],
  ['+84 91 234 56 78', '84912345678'],
  ['+63 917 123 4567', '639171234567'],
  ['+64 21 123 4567', '64211234567'],
  ['+44 7911 123456', '447911123456'],
  ['001 212 555 0123', '12125550123'],
  ['+1-604-555-0123', '16045550123'],
  [FW_PLUS + '44 20 7946 0958', '442079460958'],
  [FW_PLUS + FW_DIGIT('852 9876 5432'), '85298765432'],
];
function intlRow(input, d) {
  const w = digitsOf(input);
  if ((input.includes('+') || input.includes(FW_PLUS) ? w : w.replace(/^00/, '')) !== d)
    throw new Error('written form ' + JSON.stringify(input) + ' does not hold ' + d);
  const label = ruleIntl(d);
  let possible = false;
  try { possible = util.isPossibleNumber(util.parse('+' + d, 'ZZ')); } catch (e) { /* not possible */ }
  return push('international', input, label, { source: 'rule', possible, e164: '+' + d });
}
for (const [input, d] of INTL) if (!intlRow(input, d)) throw new Error('duplicate ' + input);
// generated: the North American plan, Hong Kong, Macao, Taiwan, Japan, Singapore
const nanp = () => [String(int(2, 9)) + digits(2), String(int(2, 9)) + digits(2), digits(4)];
const INTL_GEN = [
  () => { const [a, b, c] = nanp(); return [`+1 (${a}) ${b}-${c}`, `1${a}${b}${c}`]; },
  () => { const [a, b, c] = nanp(); return [`+1 ${a} ${b} ${c}`, `1${a}${b}${c}`]; },
  () => { const [a, b, c] = nanp(); return [`001-${a}-${b}-${c}`, `1${a}${b}${c}`]; },
  () => { const n = pick(['5', '6', '9']) + digits(7); return [`+852 ${n.slice(0, 4)} ${n.slice(4)}`, '852' + n]; },
  () => { const n = pick(['5', '6', '9']) + digits(7); return [`00852${n}`, '852' + n]; },
  () => { const n = '6' + digits(7); return [`+853-${n}`, '853' + n]; },
  () => { const n = '9' + digits(8); return [`+886 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`, '886' + n]; },
  () => { const n = pick(['90', '80', '70']) + digits(8); return [`+81 ${n.slice(0, 2)}-${n.slice(2, 6)}-${n.slice(6)}`, '81' + n]; },
  () => { const n = pick(['8', '9']) + digits(7); return [`+65 ${n.slice(0, 4)} ${n.slice(4)}`, '65' + n]; },
];
fill('international', INTL.length + 2 * INTL_GEN.length, (i) => {
  const [input, d] = INTL_GEN[i % INTL_GEN.length]();
  return intlRow(input, d);
});

// --- invalid_length ------------------------------------------------------------
fixed('invalid_length', '0755-8765432', 'invalid');
fixed('invalid_length', '010-6234567', 'invalid');
fixed('invalid_length', '1381234567', 'invalid');
fixed('invalid_length', '138123456789', 'invalid');
fixed('invalid_length', '+1 415 555 267', 'invalid');
fixed('invalid_length', '+1 (415) 555-26710', 'invalid');
fixed('invalid_length', '+44 123', 'invalid');
fixed('invalid_length', '+44 7911 123456 7890123', 'invalid');
fixed('invalid_length', '13812345678转1234567', 'invalid');
fixed('invalid_length', '010-62345678-1234567', 'invalid');
const LENGTH_GEN = [
  () => { const m = randomMobile().slice(0, 10); return ['mobile10', m, m]; },
  () => { const m = randomMobile().slice(0, 10); const [a, b, c] = m3(m); return ['mobile10', `${a} ${b} ${c}`, m]; },
  () => { const m = randomMobile().slice(0, 10); return ['mobile10', `+86 ${m}`, m]; },
  () => { const m = randomMobile() + digits(1); return ['mobile12', m, m]; },
  () => { const m = randomMobile() + digits(1); const [a, b, c] = m3(m); return ['mobile12', `${a}-${b}-${c}`, m]; },
  () => { const m = randomMobile() + digits(1); return ['mobile12', `+86${m}`, m]; },
  () => { const c = pick(only8); const l = randomLocal(7); return ['land', `0${c}-${l}`, c, l]; },
  () => { const c = pick(only8); const l = randomLocal(7); return ['land', `(0${c}) ${l}`, c, l]; },
  () => { const c = pick(only7); const l = randomLocal(8); return ['land', `0${c}-${l}`, c, l]; },
  () => { const c = pick(only7); const l = randomLocal(6); return ['land', `0${c}${l}`, c, l]; },
  () => { const c = pick(allCodes); const l = randomLocal(9); return ['land', `0${c}-${l}`, c, l]; },
  () => { const c = pick(allCodes); const l = randomLocal(6); return ['land', `+86 ${c} ${l}`, c, l]; },
  () => { const a = randomLand(allCodes); const e = digits(int(7, 8)); return ['ext', `0${a.code}-${a.local}${pick(['转', '#', ' ext '])}${e}`, a, e]; },
  () => { const m = randomMobile(); const e = digits(7); return ['extm', `${m}${pick(['-', '转', '#'])}${e}`, m, e]; },
];
fill('invalid_length', 10 + 2 * LENGTH_GEN.length, (i) => {
  const g = LENGTH_GEN[i % LENGTH_GEN.length]();
  if (g[0] === 'mobile10' || g[0] === 'mobile12') return onNumber('invalid_length', g[1], mobileNumber(g[2]));
  if (g[0] === 'land') return onNumber('invalid_length', g[1], landNumber(g[2], g[3]));
  if (g[0] === 'ext') return onNumber('invalid_length', g[1], g[2], g[3]);
  return onNumber('invalid_length', g[1], mobileNumber(g[2]), g[3]);
});

// --- invalid_area: area codes that are not assigned -------------------------------
onNumber('invalid_area', '026-22345678', landNumber('26', '22345678'));
onNumber('invalid_area', '0300-5234567', landNumber('300', '5234567'));
onNumber('invalid_area', '0600-7654321', landNumber('600', '7654321'));
onNumber('invalid_area', '0300-52345678', landNumber('300', '52345678'));
onNumber('invalid_area', '(026) 8765 4321', landNumber('26', '87654321'));
onNumber('invalid_area', '+86 26 6234 5678', landNumber('26', '62345678'));
const AREA_FORMS = [
  (c, l) => `0${c}-${l}`, (c, l) => `0${c}${l}`, (c, l) => `(0${c}) ${l}`,
  (c, l) => `+86 ${c} ${l}`, (c, l) => { const [x, y] = l2(l); return `0${c} ${x} ${y}`; },
];
fill('invalid_area', 30, (i) => {
  const c = pick(unassigned);
  const l = randomLocal(c.length === 2 ? 8 : int(7, 8));
  return onNumber('invalid_area', AREA_FORMS[i % AREA_FORMS.length](c, l), landNumber(c, l));
});

// --- invalid_other: hand-made --------------------------------------------------------
for (const input of [
  // 12x and other prefixes that no mobile has
  '12012345678', '12345678901', '12912345678', '11012345678', '10123456789', '+86 12012345678',
  // letters and emoji mixed in
  '138abc45678', '138I2345678', 'l3812345678', '1381234567O', '📱13812345678', '13812345678😊',
  // a landline without its area code or its trunk 0
  '62345678', '8765432', '1062345678', '75587654321', '21-62345678',
  // 86 is understood only before a mobile
  '86-10-62345678', '8610 62345678', '86 755 87654321', '861062345678',
  // local numbers starting 0 or 1
  '010-02345678', '010-12345678', '0755-12345678', '0571-01234567', '0410-1234567',
  // +1 area codes starting 0 or 1; a country code starting 0
  '+1 (015) 555-2671', '+1 115 555 2671', '+0 123 4567 890',
  // masked, two numbers, junk
  '138****5678', '138 **** 5678', '13812345678/13987654321', '13812345678 13987654321', '13812345678或13987654321',
  '无', '不详', '见备注', 'N/A', 'null', 'undefined', '?', '电话：13812345678', 'tel 13812345678',
  '110', '95588', '400-810-8888', '12345',
]) fixed('invalid_other', input, 'invalid');

// --- empty --------------------------------------------------------------------------
for (const input of ['', ' ', '  ', '   ', '-', '--', '---', ' - ', '()', '( )', '(-)', '.', '..', ' . ', '- -',
  IDEO_SP, IDEO_SP + IDEO_SP, FW_LP + FW_RP, FW_HY, '( ) -']) fixed('empty', input, 'empty');

// ---------------------------------------------------------------------------
// Output.

rows.sort((a, b) => CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category));
const out = ['# phones corpus: generated by tools/phones_corpus.js (seed 0x' + SEED.toString(16) +
  '), Chinese numbers labelled by npm ' + pkg.name + '@' + pkg.version +
  '; columns: category, input, kind, normal'];
for (const r of rows) out.push([r.category, r.input, r.kind, r.normal].join('\t'));
process.stdout.write(out.join('\n') + '\n');

// ---------------------------------------------------------------------------
// --report: counts and disagreements, on stderr.

// libphonenumber's verdict on the raw input, region CN, extensions included.
function lpnRaw(input) {
  let num;
  try {
    num = util.parse(input, 'CN');
  } catch (e) {
    return { kind: 'invalid', normal: '', why: 'parse: ' + e.message };
  }
  const ext = num.getExtension() ? ';ext=' + num.getExtension() : '';
  const e164 = util.format(num, PNF.E164) + ext;
  if (num.getCountryCode() === 86) {
    if (!util.isValidNumber(num)) return { kind: 'invalid', normal: '', why: 'not valid: ' + e164 };
    const type = util.getNumberType(num);
    if (type === PNT.MOBILE) return { kind: 'cn_mobile', normal: e164 };
    if (type === PNT.FIXED_LINE || type === PNT.FIXED_LINE_OR_MOBILE) return { kind: 'cn_landline', normal: e164 };
    return { kind: 'invalid', normal: '', why: 'type ' + type + ': ' + e164 };
  }
  if (util.isPossibleNumber(num))
    return { kind: 'international', normal: e164, why: util.isValidNumber(num) ? '' : 'possible, not valid' };
  return { kind: 'invalid', normal: '', why: 'not possible: ' + e164 };
}

if (process.argv.includes('--report')) {
  const err = (s) => process.stderr.write(s + '\n');
  err('rows: ' + rows.length);
  for (const c of CATEGORIES) {
    const rs = rows.filter((r) => r.category === c);
    const kinds = {};
    for (const r of rs) kinds[r.kind] = (kinds[r.kind] || 0) + 1;
    err('  ' + c.padEnd(17) + String(rs.length).padStart(4) + '  ' + JSON.stringify(kinds));
  }
  err('\nunderlying number: libphonenumber (kept) vs the rules');
  for (const r of rows) {
    if (r.source !== 'libphonenumber') continue;
    if (r.kind !== r.rule.kind || r.normal !== r.rule.normal)
      err(`  ${r.category}\t${JSON.stringify(r.input)}\tkept ${r.kind} ${r.normal}\trules ${r.rule.kind} ${r.rule.normal}` +
        (r.num.lpn.why ? '\t(' + r.num.lpn.why + ')' : ''));
  }
  err('\ninternational rows that libphonenumber does not find possible');
  for (const r of rows) if (r.category === 'international' && !r.possible) err('  ' + JSON.stringify(r.input) + ' ' + r.e164);
  err('\nraw input: libphonenumber (region CN) vs expected (kept)');
  for (const r of rows) {
    const l = lpnRaw(r.input);
    if (l.kind !== r.kind || l.normal !== r.normal)
      err(`  ${r.category}\t${JSON.stringify(r.input)}\texpected ${r.kind} ${r.normal}\tlibphonenumber ${l.kind} ${l.normal}` +
        (l.why ? '\t(' + l.why + ')' : ''));
  }
}
