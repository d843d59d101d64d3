// tools/cn_area_codes.js: prints China's fixed-line area codes and, for each,
// the allowed lengths of the local subscriber number (the digits after the
// area code, without the trunk prefix 0).  The answer is derived from the
// metadata in the npm package google-libphonenumber, not from a hand-written
// list: we build trial numbers and ask the library whether they are valid
// fixed-line numbers.
//
//   NODE_PATH=/path/to/node_modules node tools/cn_area_codes.js > data/cn_area_codes.tsv
//
// Output: a '#' header line naming the package and version, then one line per
// area code: <area code> TAB <comma-separated sorted local lengths> TAB <the
// digits a local number may start with>.
'use strict';
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
const { FIXED_LINE, FIXED_LINE_OR_MOBILE } = lib.PhoneNumberType;

// Candidate area codes: 10 and 20-29 (2 digits), 300-999 (3 digits).  A
// 3-digit candidate never starts with 1 or 2, so a 2-digit code followed by
// a local number (such as 21 + 0xxxxxxx) can never be mistaken for one.
const candidates = ['10'];
for (let n = 20; n <= 29; n++) candidates.push(String(n));
for (let n = 300; n <= 999; n++) candidates.push(String(n));

// Representative local numbers of a given length starting with the digit
// d (2 to 9; local numbers starting with 0 or 1 are service or special
// numbers), followed by zeros, by the same digit repeated, or by counting
// digits.
function samples(len, d) {
  const out = [];
  {
    const rest = len - 1;
    out.push(String(d) + '0'.repeat(rest));
    out.push(String(d).repeat(len));
    out.push(String(d) + '1234567890'.slice(0, rest));
  }
  return out;
}

// True if 0 + area code + local parses, for region CN, to exactly that
// national number and is a valid fixed-line number.
function isFixedLine(code, local) {
  let num;
  try {
    num = util.parse('0' + code + local, 'CN');
  } catch (e) {
    return false;
  }
  if (num.getCountryCode() !== 86) return false;
  if (util.getNationalSignificantNumber(num) !== code + local) return false;
  if (!util.isValidNumberForRegion(num, 'CN')) return false;
  const type = util.getNumberType(num);
  return type === FIXED_LINE || type === FIXED_LINE_OR_MOBILE;
}

// A length counts if a local number of it starting 2 to 8 is valid (9 leads
// mostly special numbers); a first digit counts if a local number starting
// with it, of a length that counts, is valid.
const lines = [];
for (const code of candidates) {
  const lengths = [];
  for (let len = 5; len <= 9; len++) {
    for (let d = 2; d <= 8; d++) {
      if (samples(len, d).some((local) => isFixedLine(code, local))) { lengths.push(len); break; }
    }
  }
  if (!lengths.length) continue;
  let firsts = '';
  for (let d = 2; d <= 9; d++) {
    if (lengths.some((len) => samples(len, d).some((local) => isFixedLine(code, local)))) firsts += d;
  }
  lines.push(code + '\t' + lengths.join(',') + '\t' + firsts);
}

console.log('# China (CN, +86) fixed-line area codes, local number lengths and first digits, ' +
  'from npm ' + pkg.name + '@' + pkg.version + '; regenerate with tools/cn_area_codes.js');
console.log(lines.join('\n'));
