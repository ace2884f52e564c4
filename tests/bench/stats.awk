# stats.awk - per NAME: runs, median, p95, mean, min, max of the
# "NAME<TAB>ROUND<TAB>MS" lines, which must come sorted by NAME, then MS
# (sort -t"$TAB" -k1,1 -k3,3g). p95 is the nearest-rank percentile.
# With -v by_round=1 the key is NAME and ROUND (sort -k1,1 -k2,2 -k3,3g).
BEGIN { FS = OFS = "\t" }
function flush(   med, i95, sum, i) {
	if (n == 0)
		return
	med = n % 2 ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
	i95 = int(0.95 * n)
	if (i95 < 0.95 * n)
		i95++
	sum = 0
	for (i = 1; i <= n; i++)
		sum += t[i]
	if (by_round)
		printf "%s\t%s\t%.3f\n", key_name, key_round, med
	else
		printf "%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", key_name, n, med, t[i95], sum / n, t[1], t[n]
	n = 0
}
{
	key = by_round ? $1 SUBSEP $2 : $1
	if (key != last)
		flush()
	last = key
	key_name = $1
	key_round = $2
	t[++n] = $3 + 0
}
END { flush() }
