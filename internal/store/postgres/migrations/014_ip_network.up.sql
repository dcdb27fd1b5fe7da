-- Addresses as inet: an IPv6 network in a search (ip:2001:db8::/32) is a
-- range of this index (<<=). IPv4 networks use the text index on user_ip.
CREATE INDEX audit_log_ip_inet ON audit_log ((CASE WHEN user_ip = '' THEN NULL ELSE user_ip::inet END), ts, id);
