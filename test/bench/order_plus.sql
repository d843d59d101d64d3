\set acc random(1, 50000)
\set s1 random(1, 1000)
\set s2 random(1, 1000)
\set s3 random(1, 1000)
BEGIN;
INSERT INTO :schema.orders (shop, external_ref, account, recipient, phone, address, remarks)
VALUES ('s' || :acc % 10, 'b' || :client_id || '-' || :scale || '-' || txid_current(), 'acc' || :acc,
	'张三', '138 1234 5678', '北京市朝阳区建国路88号3号楼2单元501室', '周末配送，加冰袋')
RETURNING order_id AS oid \gset
WITH lines AS (
	INSERT INTO :schema.order_lines (shop, order_id, sku, title, spec, colour, quantity) VALUES
		('s' || :acc % 10, :oid, 'SKU-' || :s1, 'product ' || :s1, 'M', 'blue', 1),
		('s' || :acc % 10, :oid, 'SKU-' || :s2, 'product ' || :s2, 'M', 'blue', 2),
		('s' || :acc % 10, :oid, 'SKU-' || :s3, 'product ' || :s3, 'M', 'blue', 1)),
event AS (
	INSERT INTO :schema.events (shop, topic, kind, order_id, payload)
	VALUES ('s' || :acc % 10, 'intake', 'order_received', :oid, jsonb_build_object('order_id', :oid,
		'external_ref', 'b' || :client_id || '-' || :scale || '-' || txid_current(), 'stage', 'received',
		'service_requirements', '["weekend_delivery", "cold_chain"]'::jsonb, 'flags', '["special_request"]'::jsonb)))
UPDATE :schema.orders SET service_requirements = '{weekend_delivery,cold_chain}',
	skus = ARRAY['SKU-' || :s1, 'SKU-' || :s2, 'SKU-' || :s3], intake_checked_at = now()
 WHERE shop = 's' || :acc % 10 AND order_id = :oid;
END;
