-- Addresses as 16 sortable bytes (logbook_ip_key, a function Logbook
-- registers): an IPv6 network in a search (ip:2001:db8::/32) is one range
-- of this index. IPv4 networks use the text index on user_ip.
CREATE INDEX audit_log_ip_key ON audit_log (logbook_ip_key(user_ip), ts, id);
