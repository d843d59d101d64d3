-- pgTAP: the settings tables (regions, remote_regions, address_unit_keywords,
-- special_request_keywords): shipped and custom rows, what may change, and
-- the guard and invalidation triggers used wrongly.
BEGIN;
SET search_path = ordertrack, public;
SELECT plan(42);

-- What ships.
SELECT cmp_ok((SELECT count(*)::int FROM regions WHERE origin = 'shipped'), '>', 3000, 'more than 3000 regions ship');
SELECT is((SELECT count(*)::int FROM regions WHERE level = 1), 34, '34 provinces: the mainland''s 31, Hong Kong, Macau and Taiwan');
SELECT is((SELECT count(*)::int FROM regions WHERE code / 10000 IN (71, 81, 82) AND level = 3), 383, 'their 383 districts');
SELECT set_eq($$SELECT region_code FROM remote_regions WHERE remote$$,
	ARRAY[650000, 540000, 630000, 150000, 620000, 640000, 460300], 'remote: the six provinces the operations lead named, and 三沙');
SELECT set_eq($$SELECT rule FROM address_unit_keywords$$,
	ARRAY['after_number', 'between_numbers', 'near_number', 'room_after', 'house_after', 'separator', 'not_unit'], 'unit words ship for every rule but anywhere');
SELECT ok((SELECT bool_and(origin = 'shipped') FROM address_unit_keywords), 'unit words ship');
SELECT set_eq($$SELECT DISTINCT tag FROM special_request_keywords$$,
	ARRAY['weekend_delivery', 'parcel_locker', 'gift_wrap', 'cold_chain', 'inspect_on_delivery', 'sms_only', 'fragile', 'urgent'],
	'every remarks tag has keywords');

-- Changing a shipped row makes it custom; pg_dump keeps custom rows only.
UPDATE remote_regions SET remote = false WHERE region_code = 620000;
SELECT is((SELECT origin FROM remote_regions WHERE region_code = 620000), 'custom', 'a changed shipped row becomes custom');
SELECT is((locate_region('甘肃兰州城关区')).remote, false, 'and takes effect at once in the same session');
SELECT is((SELECT extcondition[array_position(extconfig, 'ordertrack.remote_regions'::regclass)]
		   FROM pg_extension WHERE extname = 'ordertrack'), 'WHERE origin = ''custom''', 'pg_dump keeps the custom rows');

-- Inserting a row whose key a shipped row holds replaces it.
SELECT ok(NOT address_needs_unit('建国路88号501室'), '501室 names a room');
INSERT INTO address_unit_keywords (keyword, enabled) VALUES ('室', false);
SELECT is((SELECT count(*)::int FROM address_unit_keywords WHERE keyword = '室'), 1, 'an inserted row replaces the shipped row with its key');
SELECT is((SELECT origin || '/' || enabled || '/' || rule FROM address_unit_keywords WHERE keyword = '室'), 'custom/false/anywhere',
	'the inserted row is custom, and counts anywhere unless it says otherwise');
SELECT ok(address_needs_unit('建国路88号501室'), 'a switched-off word no longer counts');
INSERT INTO address_unit_keywords (keyword, origin) VALUES ('门牌', 'shipped');
SELECT is((SELECT origin FROM address_unit_keywords WHERE keyword = '门牌'), 'custom', 'rows inserted by a shop are custom whatever they say');
SELECT ok(NOT address_needs_unit('幸福路门牌12'), 'a new word counts at once');
SELECT throws_ok($$INSERT INTO ordertrack.address_unit_keywords (keyword) VALUES ('门牌')$$, '23505', NULL,
	'a second custom row with the same key is a unique violation');

-- Shipped rows are switched off, not deleted; custom rows may go.
SELECT throws_ok($$DELETE FROM ordertrack.special_request_keywords WHERE keyword = '冰袋'$$, '55000',
	'shipped rows of ordertrack.special_request_keywords cannot be deleted', 'deleting a shipped row is 55000');
SELECT throws_ok($$TRUNCATE ordertrack.regions$$, '55000', 'ordertrack.regions cannot be truncated', 'truncating a settings table is 55000');
SELECT throws_ok($$UPDATE ordertrack.special_request_keywords SET tag = 'urgent' WHERE keyword = '冰袋'$$, '55000',
	'the key of a shipped row of ordertrack.special_request_keywords cannot change', 'changing a shipped row''s key is 55000');
SELECT lives_ok($$DELETE FROM ordertrack.address_unit_keywords WHERE keyword = '门牌'$$, 'a custom row may be deleted');
SELECT throws_ok($$INSERT INTO ordertrack.special_request_keywords (keyword, tag) VALUES ('x', 'teleport')$$, '23514', NULL,
	'tags are the service requirement tags');
SELECT throws_ok($$INSERT INTO ordertrack.regions (code, level, name, short_names) VALUES (990000, 1, 'x', '{"a,b"}')$$, '23514', NULL,
	'short names hold no commas');

-- A shop tunes the unit rules: a word under a rule counts only where the rule holds.
SELECT ok(address_needs_unit('建国路88号3号院'), '号院 is not a shipped word');
INSERT INTO address_unit_keywords (keyword, rule) VALUES ('院', 'after_number');
SELECT ok(NOT address_needs_unit('建国路88号3号院'), '院 after a number counts once the shop adds it');
SELECT ok(address_needs_unit('建国路88号人民医院'), 'and not after a word');
UPDATE address_unit_keywords SET enabled = false WHERE rule = 'separator';
SELECT ok(address_needs_unit('长春朝阳区5-2-1101'), 'the a-b-c form is a rule that can be switched off');
UPDATE address_unit_keywords SET enabled = true WHERE rule = 'separator';
SELECT throws_ok($$INSERT INTO ordertrack.address_unit_keywords (keyword, rule) VALUES ('x', 'nearby')$$, '23514', NULL,
	'a rule is one of the eight');

-- Remote by any division: the most precise row decides.
SELECT is((locate_region('新疆喀什地区喀什市人民路1号')).remote, true, 'Xinjiang is remote');
INSERT INTO remote_regions (region_code, remote) VALUES (650100, false);
SELECT is((locate_region('新疆乌鲁木齐天山区解放北路5号')).remote, false, 'a city of a remote province exempted');
SELECT is((locate_region('新疆喀什地区喀什市人民路1号')).remote, true, 'and the rest of the province still remote');
INSERT INTO remote_regions (region_code) VALUES (513300), (533400);
SELECT is((locate_region('四川甘孜州康定市炉城镇1号')).remote, true, 'a prefecture of a province that is not remote');
SELECT is((locate_region('四川成都武侯区1号')).remote, false, 'and not the rest of the province');
INSERT INTO remote_regions (region_code, remote) VALUES (533401, false);
SELECT is((locate_region('云南迪庆香格里拉市1号')).remote, false, 'a district row decides over its city''s');
SELECT is((locate_region('海南三沙市西沙永兴岛')).remote, true, '三沙 ships remote');
SELECT is((locate_region('海南海口美兰区1号')).remote, false, 'and the rest of Hainan does not');

-- A region the shop adds is recognised.
INSERT INTO regions (code, level, parent_code, name, short_names) VALUES (330199, 3, 330100, '云栖小镇', '{云栖}');
SELECT is((locate_region('浙江杭州云栖小镇1号')).district_code, 330199, 'a custom region is recognised');

-- The triggers, used wrongly.
CREATE TABLE misuse (k text, origin text);
CREATE TRIGGER g AFTER INSERT ON misuse FOR EACH ROW EXECUTE FUNCTION ordertrack.settings_row_guard('misuse', 'k');
SELECT throws_ok($$INSERT INTO misuse VALUES ('a', 'custom')$$, '39P01', NULL, 'the guard refuses to run AFTER');
DROP TRIGGER g ON misuse;
CREATE TRIGGER g BEFORE INSERT ON misuse FOR EACH ROW EXECUTE FUNCTION ordertrack.settings_row_guard();
SELECT throws_ok($$INSERT INTO misuse VALUES ('a', 'custom')$$, '39P01', NULL, 'the guard needs its arguments');
DROP TRIGGER g ON misuse;
CREATE TRIGGER g BEFORE UPDATE ON misuse FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_row_guard('misuse', 'k');
SELECT throws_ok($$UPDATE misuse SET k = 'b'$$, '39P01', NULL, 'the guard refuses to run per statement on UPDATE');
DROP TRIGGER g ON misuse;
ALTER TABLE misuse DROP COLUMN origin;
CREATE TRIGGER g BEFORE INSERT ON misuse FOR EACH ROW EXECUTE FUNCTION ordertrack.settings_row_guard('misuse', 'k');
SELECT throws_ok($$INSERT INTO misuse VALUES ('a')$$, '39P01', NULL, 'the guard needs an origin column');
DROP TRIGGER g ON misuse;
CREATE TRIGGER c AFTER INSERT ON misuse FOR EACH ROW EXECUTE FUNCTION ordertrack.settings_changed();
SELECT throws_ok($$INSERT INTO misuse VALUES ('a')$$, '39P01', NULL, 'the invalidation trigger refuses to run per row');
DROP TABLE misuse;

SELECT * FROM finish();
ROLLBACK;
