SELECT
  t.track_id,
  t.name                                    AS track,
  a.title                                   AS album,
  ar.name                                   AS artist,
  g.name                                    AS genre,
  CAST(t.milliseconds / 1000.0 AS DECIMAL(10,1)) AS seconds,
  t.unit_price
FROM track AS t
LEFT JOIN album AS a USING (album_id)
LEFT JOIN artist AS ar USING (artist_id)
LEFT JOIN genre AS g USING (genre_id)
