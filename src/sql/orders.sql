/*
 * orders.sql: the order and what it refers to: its stages (the type; the
 * moves between them are in stages.sql), the catalogue, the orders and
 * their lines, customer notes and the blacklist.
 *
 * Designed to scale out by shop (Citus): every table that holds orders or
 * their children carries shop, and every primary and unique key includes it;
 * products and flag_codes are reference tables keyed without it.
 */

CREATE TYPE ordertrack.stage AS ENUM (
	'received', 'review', 'confirmed', 'in_production', 'picking', 'packed', 'shipped',
	'in_transit', 'out_for_delivery', 'delivery_failed', 'delivered', 'after_sales',
	'returning', 'returned', 'lost', 'cancelled', 'completed');
COMMENT ON TYPE ordertrack.stage IS 'Where an order stands, from intake to after-sales';

CREATE TABLE ordertrack.products (
	sku text PRIMARY KEY,
	title text NOT NULL,
	spec text,
	colour text,
	active boolean NOT NULL DEFAULT true,
	fragile boolean NOT NULL DEFAULT false,
	cold_chain boolean NOT NULL DEFAULT false,
	customizable boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE ordertrack.products IS 'The product catalogue that order lines are checked against';
COMMENT ON COLUMN ordertrack.products.sku IS 'Stock-keeping unit';
COMMENT ON COLUMN ordertrack.products.title IS 'Product title, e.g. hoodie';
COMMENT ON COLUMN ordertrack.products.spec IS 'Specification, e.g. size L';
COMMENT ON COLUMN ordertrack.products.colour IS 'Colour';
COMMENT ON COLUMN ordertrack.products.active IS 'Whether it can be ordered';
COMMENT ON COLUMN ordertrack.products.fragile IS 'Handle with care (service requirement fragile)';
COMMENT ON COLUMN ordertrack.products.cold_chain IS 'Ships cold (service requirement cold_chain)';
COMMENT ON COLUMN ordertrack.products.customizable IS 'Made to order, e.g. engraved';

CREATE TABLE ordertrack.orders (
	shop text NOT NULL,
	order_id bigint GENERATED ALWAYS AS IDENTITY,
	external_ref text NOT NULL,
	account text NOT NULL,
	recipient text,
	phone text,
	address text,
	remarks text,
	service_requirements text[] NOT NULL DEFAULT '{none}',
	urgent boolean NOT NULL DEFAULT false,
	cash_on_delivery boolean NOT NULL DEFAULT false,
	paid_at timestamptz,
	stage ordertrack.stage NOT NULL DEFAULT 'received',
	tracking_no ordertrack.tracking_no,
	carrier text,
	created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	phone_normalized text,
	province text,
	city text,
	district text,
	region_code integer,
	remote boolean,
	intake_checked_at timestamptz,
	skus text[],
	stage_entered_at jsonb,
	pick_progress numeric,
	feedback_rating smallint,
	feedback_comment text,
	feedback_at timestamptz,
	confirmed_at timestamptz,
	payment_reminded_at timestamptz,
	last_scan_at timestamptz,
	stalled_scan_at timestamptz,
	carrier_choice jsonb,
	stage_move jsonb,
	PRIMARY KEY (shop, order_id),
	UNIQUE (shop, external_ref)
) WITH (fillfactor = 85);	-- room for the intake's update to stay on the page (HOT)
CREATE INDEX orders_account ON ordertrack.orders (shop, account, created_at);
-- One order per tracking number in a shop (with the shop, as a
-- distributed table's unique indexes must be); numbers are unique across
-- shops by construction (issuers, one key), and only confirm() sets one.
CREATE UNIQUE INDEX orders_tracking_no ON ordertrack.orders (tracking_no, shop) WHERE tracking_no IS NOT NULL;
-- advance(order_id) and the other functions that take an order_id alone
-- (unique by construction: it comes from one identity).
CREATE INDEX orders_order_id ON ordertrack.orders (order_id);
COMMENT ON TABLE ordertrack.orders IS 'Orders as the ERP sends them, with what intake derived; checked in the inserting transaction';
COMMENT ON COLUMN ordertrack.orders.shop IS 'The shop (the scale-out key)';
-- order_id comes from the identity alone (an INSERT that gives one fails;
-- pg_dump's COPY keeps the dumped ones): unique across shops by construction,
-- so that the functions that take an order_id alone find one order.  A
-- unique index on it alone is what a table distributed by shop cannot have.
COMMENT ON COLUMN ordertrack.orders.order_id IS
	'ordertrack''s id of the order, unique across shops: always from its identity (an INSERT cannot give one)';
COMMENT ON COLUMN ordertrack.orders.external_ref IS 'The ERP''s own order number, unique per shop';
COMMENT ON COLUMN ordertrack.orders.account IS 'The customer''s account';
COMMENT ON COLUMN ordertrack.orders.recipient IS 'Who receives the parcel';
COMMENT ON COLUMN ordertrack.orders.phone IS 'The recipient''s phone, as sent';
COMMENT ON COLUMN ordertrack.orders.address IS 'The delivery address, as sent';
COMMENT ON COLUMN ordertrack.orders.remarks IS 'The customer''s free-text remarks';
COMMENT ON COLUMN ordertrack.orders.service_requirements IS 'Structured requirements from remarks and products; {none} when none';
COMMENT ON COLUMN ordertrack.orders.urgent IS 'Urgent order';
COMMENT ON COLUMN ordertrack.orders.cash_on_delivery IS 'Paid on delivery';
COMMENT ON COLUMN ordertrack.orders.paid_at IS 'When payment arrived';
COMMENT ON COLUMN ordertrack.orders.stage IS 'Where the order stands';
COMMENT ON COLUMN ordertrack.orders.tracking_no IS 'Issued on confirmation';
COMMENT ON COLUMN ordertrack.orders.carrier IS 'Chosen on confirmation';
COMMENT ON COLUMN ordertrack.orders.created_at IS 'When the shop took the order (the ERP may set it); time windows are measured on it';
COMMENT ON COLUMN ordertrack.orders.phone_normalized IS 'The phone in E.164 form, NULL when invalid';
COMMENT ON COLUMN ordertrack.orders.province IS 'Province recognised in the address';
COMMENT ON COLUMN ordertrack.orders.city IS 'City recognised in the address';
COMMENT ON COLUMN ordertrack.orders.district IS 'District recognised in the address';
COMMENT ON COLUMN ordertrack.orders.region_code IS 'GB/T 2260 code of the most precise region recognised';
COMMENT ON COLUMN ordertrack.orders.remote IS 'Whether the address is in a remote area (ordertrack.remote_regions: the district''s row, else the city''s, else the province''s)';
COMMENT ON COLUMN ordertrack.orders.intake_checked_at IS 'When intake checked the order; a row that arrives with it set (a restore) is not checked again';
-- The SKUs of an order, kept on it by intake: the duplicate check of a later
-- order of the account reads them from the order's row instead of its lines.
COMMENT ON COLUMN ordertrack.orders.skus IS
	'The distinct SKUs of the order''s lines when intake checked it (for the duplicate check); NULL on rows that arrived checked without it';
-- Intake notes when a new order entered received; the stage guard notes
-- every later stage.  Rows that arrive checked without it have NULL: when
-- they entered their stages is unknown.  (No default: see below.)
COMMENT ON COLUMN ordertrack.orders.stage_entered_at IS
	'When the order last entered each stage since it arrived, e.g. {"received": "...", "confirmed": "..."} (transaction start times); NULL: not known';
-- The columns from stage_entered_at on have no default and no CHECK
-- constraint: the ERP's every INSERT statement would read and plan them
-- again (a CHECK on order_lines cost more than a third of a plain line
-- insert).  The functions that write them keep them in range.
COMMENT ON COLUMN ordertrack.orders.pick_progress IS 'Share of the ordered units picked, 0 to 1 (record_pick); NULL: none';
COMMENT ON COLUMN ordertrack.orders.feedback_rating IS 'The customer''s rating, 1 to 5 (add_feedback)';
COMMENT ON COLUMN ordertrack.orders.feedback_comment IS 'The customer''s comment';
COMMENT ON COLUMN ordertrack.orders.feedback_at IS 'When the feedback came';
COMMENT ON COLUMN ordertrack.orders.confirmed_at IS 'When confirm() confirmed the order: the pick deadline runs from it';
COMMENT ON COLUMN ordertrack.orders.payment_reminded_at IS 'When the sweep reminded the customer to pay (payment_overdue)';
COMMENT ON COLUMN ordertrack.orders.last_scan_at IS 'The time of the newest scan of the parcel (record_scan)';
COMMENT ON COLUMN ordertrack.orders.carrier_choice IS
	'How confirm() chose the carrier: the rule, and the carriers passed over for being late in the province (carrier_choice())';
COMMENT ON COLUMN ordertrack.orders.stage_move IS
	'Who made the last move by an ordertrack function (advance, resolve_flag, intake), why, and as which role: written with the move, so that the stage history records them wherever the row lives (a Citus worker); set by ordertrack only';
COMMENT ON COLUMN ordertrack.orders.stalled_scan_at IS
	'The newest scan''s time when the sweep raised transit_stalled: a later scan and a new stall raise it again';

CREATE TABLE ordertrack.order_lines (
	shop text NOT NULL,
	line_id bigint GENERATED BY DEFAULT AS IDENTITY,
	order_id bigint NOT NULL,
	sku text NOT NULL,
	title text,
	spec text,
	colour text,
	quantity integer NOT NULL CONSTRAINT order_lines_quantity_range
		CHECK (quantity OPERATOR(pg_catalog.>=) 1 AND quantity OPERATOR(pg_catalog.<=) 1000000),
	customization text,
	picked integer,
	PRIMARY KEY (shop, line_id),
	FOREIGN KEY (shop, order_id) REFERENCES ordertrack.orders (shop, order_id) ON DELETE CASCADE
);
CREATE INDEX order_lines_order ON ordertrack.order_lines (shop, order_id);
CREATE INDEX order_lines_sku ON ordertrack.order_lines (shop, sku);
COMMENT ON TABLE ordertrack.order_lines IS 'The lines of an order, checked against the catalogue';
COMMENT ON COLUMN ordertrack.order_lines.shop IS 'The order''s shop';
COMMENT ON COLUMN ordertrack.order_lines.line_id IS 'Id of the line';
COMMENT ON COLUMN ordertrack.order_lines.order_id IS 'The order';
COMMENT ON COLUMN ordertrack.order_lines.sku IS 'Stock-keeping unit ordered';
COMMENT ON COLUMN ordertrack.order_lines.title IS 'Title as the ERP sent it (checked against the catalogue)';
COMMENT ON COLUMN ordertrack.order_lines.spec IS 'Spec as the ERP sent it (checked)';
COMMENT ON COLUMN ordertrack.order_lines.colour IS 'Colour as the ERP sent it (checked)';
COMMENT ON COLUMN ordertrack.order_lines.quantity IS '1 to 1,000,000; above ordertrack.bulk_quantity it is flagged';
COMMENT ON COLUMN ordertrack.order_lines.customization IS 'What to make to order (e.g. the text to engrave), kept byte for byte';
COMMENT ON COLUMN ordertrack.order_lines.picked IS 'How many have been picked (record_pick, which never goes above quantity); NULL: none';

CREATE TABLE ordertrack.customer_notes (
	shop text NOT NULL,
	note_id bigint GENERATED BY DEFAULT AS IDENTITY,
	account text NOT NULL,
	kind text NOT NULL DEFAULT 'feedback' CHECK (kind IN ('feedback', 'preference')),
	note text NOT NULL,
	noted_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (shop, note_id)
);
CREATE INDEX customer_notes_account ON ordertrack.customer_notes (shop, account);
COMMENT ON TABLE ordertrack.customer_notes IS 'What a customer told the shop before; intake carries it into their next order';
COMMENT ON COLUMN ordertrack.customer_notes.shop IS 'The shop';
COMMENT ON COLUMN ordertrack.customer_notes.note_id IS 'Id of the note';
COMMENT ON COLUMN ordertrack.customer_notes.account IS 'The customer''s account';
COMMENT ON COLUMN ordertrack.customer_notes.kind IS 'feedback or preference';
COMMENT ON COLUMN ordertrack.customer_notes.note IS 'What they said, e.g. "last time the packaging was too thin"';
COMMENT ON COLUMN ordertrack.customer_notes.noted_at IS 'When';

CREATE TABLE ordertrack.blacklist (
	shop text NOT NULL,
	entry_id bigint GENERATED BY DEFAULT AS IDENTITY,
	kind text NOT NULL CHECK (kind IN ('account', 'phone', 'address')),
	value text NOT NULL,
	reason text,
	added_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (shop, entry_id),
	UNIQUE (shop, kind, value)
);
COMMENT ON TABLE ordertrack.blacklist IS 'Accounts, phones and addresses whose orders are held for a person';
COMMENT ON COLUMN ordertrack.blacklist.shop IS 'The shop';
COMMENT ON COLUMN ordertrack.blacklist.entry_id IS 'Id of the entry';
COMMENT ON COLUMN ordertrack.blacklist.kind IS 'account, phone (matched in E.164 form) or address (matched exactly)';
COMMENT ON COLUMN ordertrack.blacklist.value IS 'The account, phone or address';
COMMENT ON COLUMN ordertrack.blacklist.reason IS 'Why';
COMMENT ON COLUMN ordertrack.blacklist.added_at IS 'When';

-- Every session drops its cached copy of the catalogue when a change
-- commits.  (The blacklist is read through its index for each order.)
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ordertrack.products
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.settings_changed();
COMMENT ON TRIGGER catalogue_changed ON ordertrack.products IS 'Every session drops its cached catalogue when a change commits';

-- Flags, stage history and scans belong to their order without a foreign
-- key (only ordertrack's own functions write them, for an order they have
-- just read): deleting orders deletes them, and truncating orders
-- truncates them.
CREATE FUNCTION ordertrack.order_deleted() RETURNS trigger
	AS 'MODULE_PATHNAME', 'order_deleted' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.order_deleted() IS
	'Trigger AFTER DELETE or TRUNCATE on orders: deletes the flags, stage history and scans of the deleted orders, or all of them';
REVOKE ALL ON FUNCTION ordertrack.order_deleted() FROM PUBLIC;
CREATE TRIGGER order_deleted AFTER DELETE ON ordertrack.orders
	REFERENCING OLD TABLE AS gone
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.order_deleted();
CREATE TRIGGER order_truncated AFTER TRUNCATE ON ordertrack.orders
	FOR EACH STATEMENT EXECUTE FUNCTION ordertrack.order_deleted();
COMMENT ON TRIGGER order_deleted ON ordertrack.orders IS 'Deleting orders deletes their flags, stage history and scans';
COMMENT ON TRIGGER order_truncated ON ordertrack.orders IS 'Truncating orders truncates the flags, the stage history and the scans';

-- What no writer may do, whatever it was granted: set the columns that
-- intake and confirm() set (they run as the tables' owner), or add a line
-- that intake does not check.  AFTER with a WHEN for orders (no row lock
-- for other updates); for lines, the lines of an order this transaction
-- inserted pass without a read.  (The tracking number is compared with
-- its operator named: IS DISTINCT FROM would name none, and a Citus
-- worker that creates the trigger on a shard could not find it.)
CREATE FUNCTION ordertrack.order_columns_guard() RETURNS trigger
	AS 'MODULE_PATHNAME', 'order_columns_guard' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.order_columns_guard() IS
	'Trigger AFTER UPDATE on orders: refuses (42501) a change of intake_checked_at, tracking_no, carrier or stage_move by a role other than the tables'' owner, unless ordertrack.restoring is on';
CREATE TRIGGER order_columns_guard AFTER UPDATE ON ordertrack.orders
	FOR EACH ROW WHEN (OLD.intake_checked_at IS DISTINCT FROM NEW.intake_checked_at
					   OR (OLD.tracking_no IS NULL) <> (NEW.tracking_no IS NULL)
					   OR OLD.tracking_no OPERATOR(ordertrack.<>) NEW.tracking_no
					   OR OLD.carrier IS DISTINCT FROM NEW.carrier OR OLD.stage_move IS DISTINCT FROM NEW.stage_move)
	EXECUTE FUNCTION ordertrack.order_columns_guard();
COMMENT ON TRIGGER order_columns_guard ON ordertrack.orders IS
	'Only intake and confirm() set intake_checked_at, tracking_no and carrier, and only ordertrack stage_move';
CREATE FUNCTION ordertrack.order_line_guard() RETURNS trigger
	AS 'MODULE_PATHNAME', 'order_line_guard' LANGUAGE C;
COMMENT ON FUNCTION ordertrack.order_line_guard() IS
	'Trigger AFTER INSERT on order_lines: a line added to an order that intake has checked is checked with the order''s lines while the order is in received or review, and refused (55000) later, unless ordertrack.restoring is on';
CREATE TRIGGER order_line_guard AFTER INSERT ON ordertrack.order_lines
	FOR EACH ROW EXECUTE FUNCTION ordertrack.order_line_guard();
COMMENT ON TRIGGER order_line_guard ON ordertrack.order_lines IS
	'Every line is checked by intake: one added to a checked order with the order''s lines, until the order is confirmed';

-- pg_dump keeps every row, and the identity sequences' state, so that a
-- restored database goes on where it was.
SELECT pg_catalog.pg_extension_config_dump('ordertrack.products', '');
SELECT pg_catalog.pg_extension_config_dump('ordertrack.orders', '');
SELECT pg_catalog.pg_extension_config_dump('ordertrack.order_lines', '');
SELECT pg_catalog.pg_extension_config_dump('ordertrack.customer_notes', '');
SELECT pg_catalog.pg_extension_config_dump('ordertrack.blacklist', '');
COMMENT ON SEQUENCE ordertrack.orders_order_id_seq IS 'Source of order_id';
COMMENT ON SEQUENCE ordertrack.order_lines_line_id_seq IS 'Source of line_id';
COMMENT ON SEQUENCE ordertrack.customer_notes_note_id_seq IS 'Source of note_id';
COMMENT ON SEQUENCE ordertrack.blacklist_entry_id_seq IS 'Source of entry_id';
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('ordertrack.orders', 'order_id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('ordertrack.order_lines', 'line_id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('ordertrack.customer_notes', 'note_id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('ordertrack.blacklist', 'entry_id')::regclass, '');
