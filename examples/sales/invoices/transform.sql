-- The new invoices since the last run; the platform merges them into the previous snapshot by invoice_id.
SELECT invoice_id, customer_id, invoice_date, billing_country, total
FROM invoice
