-- One row per customer; names joined, contact details kept (masked for readers without PII access).
SELECT
  customer_id,
  first_name || ' ' || last_name AS full_name,
  lower(email)                   AS email,
  phone,
  company,
  city,
  country,
  support_rep_id
FROM customer
