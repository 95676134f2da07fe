-- Daily totals per billing country; customers counted from the identity product.
SELECT
  CAST(i.invoice_date AS DATE)            AS invoice_day,
  i.billing_country,
  count(DISTINCT i.invoice_id)            AS invoices,
  count(l.invoice_line_id)                AS lines,
  count(DISTINCT c.customer_id)           AS customers,
  sum(l.unit_price * l.quantity)          AS revenue
FROM invoice AS i
JOIN invoice_line AS l USING (invoice_id)
JOIN customers AS c ON c.customer_id = i.customer_id
GROUP BY ALL
